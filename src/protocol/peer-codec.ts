/** Frames ↔ peer messages (peer.ts): both servers decode every frame first; a bad one changes nothing. */
import * as v from 'valibot';
import { ErrorCode, TrellisError } from '../core/index.js';
import type { Result } from './codec.js';
import type { Frame } from './codec.js';
import { MAX_FRAME_BYTES } from './limits.js';
import { PeerMessageSchema } from './peer.js';
import type { PeerMessage } from './peer.js';
import { utf8Exceeds, utf8Length } from './utf8.js';

/** A peer message, or PROTOCOL_MESSAGE_TOO_LARGE / PROTOCOL_INVALID_MESSAGE. */
export function decodePeerMessage(frame: Frame): Result<PeerMessage> {
  if (typeof frame === 'string' ? utf8Exceeds(frame, MAX_FRAME_BYTES) : frame.byteLength > MAX_FRAME_BYTES) {
    const size = typeof frame === 'string' ? utf8Length(frame) : frame.byteLength;
    return fail(ErrorCode.PROTOCOL_MESSAGE_TOO_LARGE, `Frame of ${size} bytes exceeds ${MAX_FRAME_BYTES}; send smaller chunks.`, { size, limit: MAX_FRAME_BYTES });
  }
  if (typeof frame !== 'string') return fail(ErrorCode.PROTOCOL_INVALID_MESSAGE, 'Binary frames are not part of the protocol; send JSON text frames.', { path: [] });
  let value: unknown;
  try {
    value = JSON.parse(frame);
  } catch {
    return fail(ErrorCode.PROTOCOL_INVALID_MESSAGE, 'Frame is not valid JSON.', { path: [] });
  }
  const result = v.safeParse(PeerMessageSchema, value, { abortEarly: true });
  if (result.success) return { ok: true, value: result.output };
  const issue = result.issues[0];
  const path = (issue.path ?? []).map((item) => item.key as string | number);
  return fail(ErrorCode.PROTOCOL_INVALID_MESSAGE, `Invalid peer message at ${path.length === 0 ? 'the top level' : path.join('.')}: ${issue.message}`, { path });
}

export function encodePeerMessage(message: PeerMessage): string {
  return JSON.stringify(message);
}

/** UTF-8 bytes of a peer message's frame (the envelope given to cutFrames). */
export function peerFrameBytes(message: PeerMessage): number {
  return utf8Length(encodePeerMessage(message));
}

/** True when a decoded JSON value is tagged as a peer message (a replica token sending one is refused as such). */
export function isPeerMessageType(type: unknown): boolean {
  return typeof type === 'string' && type.startsWith('peer-');
}

function fail(code: ErrorCode, message: string, details: Record<string, unknown>): { ok: false; error: TrellisError } {
  return { ok: false, error: new TrellisError(code, message, { details }) };
}
