/**
 * Frames ↔ messages. Both sides call a decoder first on every frame; a frame
 * that fails gets a typed error and must change nothing.
 */
import * as v from 'valibot';
import { ErrorCode, TrellisError } from '../core/index.js';
import { MAX_FRAME_BYTES } from './limits.js';
import { ClientMessageSchema, ServerMessageSchema } from './messages.js';
import { PackProblem } from './packed-shape.js';
import { isPacked, unpackMessage } from './unpack-packed.js';
import type { ClientMessage, ServerMessage } from './messages.js';
import { utf8Exceeds, utf8Length } from './utf8.js';
import { MIN_PROTOCOL_VERSION, PROTOCOL_VERSION } from './version.js';

/** What a WebSocket delivers. Only text frames are part of the protocol. */
export type Frame = string | Uint8Array | ArrayBuffer;

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: TrellisError };

/** A client message, or PROTOCOL_MESSAGE_TOO_LARGE / PROTOCOL_INVALID_MESSAGE / PROTOCOL_VERSION_MISMATCH. */
export function decodeClientMessage(frame: Frame): Result<ClientMessage> {
  const parsed = parseFrame(frame);
  if (!parsed.ok) return parsed;
  const mismatch = versionMismatch(parsed.value);
  return mismatch ? { ok: false, error: mismatch } : validate(ClientMessageSchema, parsed.value);
}

/** A server message, or PROTOCOL_MESSAGE_TOO_LARGE / PROTOCOL_INVALID_MESSAGE. */
export function decodeServerMessage(frame: Frame): Result<ServerMessage> {
  const parsed = parseFrame(frame);
  if (!parsed.ok) return parsed;
  if (!isPacked(parsed.value)) return validate(ServerMessageSchema, parsed.value);
  // Packed ops and snapshots (packed.ts) become plain messages first, then pass the same schema.
  try {
    return validate(ServerMessageSchema, unpackMessage(parsed.value));
  } catch (err) {
    if (!(err instanceof PackProblem)) throw err;
    return invalid(`Invalid packed ${parsed.value.type} frame: ${err.message}`, ['packed']);
  }
}

/** The text frame of a message. Senders keep it under MAX_FRAME_BYTES by chunking. */
export function encodeMessage(message: ClientMessage | ServerMessage): string {
  return JSON.stringify(message);
}

function parseFrame(frame: Frame): Result<unknown> {
  if (typeof frame === 'string' ? utf8Exceeds(frame, MAX_FRAME_BYTES) : frame.byteLength > MAX_FRAME_BYTES) {
    const size = typeof frame === 'string' ? utf8Length(frame) : frame.byteLength;
    const message = `Frame of ${size} bytes exceeds ${MAX_FRAME_BYTES}; send smaller chunks.`;
    return fail(new TrellisError(ErrorCode.PROTOCOL_MESSAGE_TOO_LARGE, message, { details: { size, limit: MAX_FRAME_BYTES } }));
  }
  if (typeof frame !== 'string') return invalid('Binary frames are not part of the protocol; send JSON text frames.', []);
  try {
    return { ok: true, value: JSON.parse(frame) as unknown };
  } catch {
    return invalid('Frame is not valid JSON.', []);
  }
}

/**
 * A hello from an unsupported version is recognised before the rest of the
 * message is validated, so a newer client with a changed hello still learns
 * that versions differ instead of getting PROTOCOL_INVALID_MESSAGE.
 */
function versionMismatch(value: unknown): TrellisError | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { type, protocol } = value as { type?: unknown; protocol?: unknown };
  if (type !== 'hello' || typeof protocol !== 'number') return undefined;
  if (protocol >= MIN_PROTOCOL_VERSION && protocol <= PROTOCOL_VERSION) return undefined;
  return new TrellisError(
    ErrorCode.PROTOCOL_VERSION_MISMATCH,
    `Protocol version ${protocol} is not served (supported ${MIN_PROTOCOL_VERSION} to ${PROTOCOL_VERSION}); upgrade the older side.`,
    { details: { received: protocol, min: MIN_PROTOCOL_VERSION, max: PROTOCOL_VERSION } },
  );
}

function validate<T>(schema: v.GenericSchema<unknown, T>, value: unknown): Result<T> {
  // Stop at the first issue (the only one reported): collecting every issue of a 1 MiB frame of
  // invalid items took seconds of CPU, a denial of service any token holder could send.
  const result = v.safeParse(schema, value, { abortEarly: true });
  if (result.success) return { ok: true, value: result.output };
  const issue = result.issues[0];
  const path = (issue.path ?? []).map((item) => item.key as string | number);
  return invalid(`Invalid message at ${path.length === 0 ? 'the top level' : path.join('.')}: ${issue.message}`, path);
}

function invalid(message: string, path: readonly (string | number)[]): { ok: false; error: TrellisError } {
  return fail(new TrellisError(ErrorCode.PROTOCOL_INVALID_MESSAGE, message, { details: { path } }));
}

function fail(error: TrellisError): { ok: false; error: TrellisError } {
  return { ok: false, error };
}
