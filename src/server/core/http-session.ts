/**
 * One HTTP sync session: the virtual socket a core connection writes to, and
 * the outbox its long polls drain. The core cannot tell it from a WebSocket:
 * `send` queues a frame, `close` queues the close, and `sendQueue` reports
 * the undrained bytes, so the core's own send-queue bound (maxSocketQueueBytes,
 * beyond the catch-up or snapshot burst) closes a session whose client stopped
 * polling, exactly as it closes a socket that stopped reading.
 *
 * Invariants: frames leave in the order the core sent them; a poll answers at
 * once when something waits, else when a frame or the close arrives, else
 * after `pollMs` with nothing; at most one poll waits (a newer one answers the
 * older with nothing); the close is delivered after the frame before it (the
 * refusal that explains it; see MAX_CLOSING_FRAME_BYTES for the others).
 */
import { utf8Length } from '../../protocol/index.js';
import type { Claims, Connection, ServerSocket } from './types.js';

/**
 * What a closed session keeps for its client: the last frame (the refusal the close follows), when it is
 * at most this big. The frames before it are dropped at the close: a connection the core closed frees its
 * connection slot at once, so without this a client could hold many closed sessions' catch-ups until they
 * expire. Nothing is lost: the client resumes from its cursor, as after any close.
 */
export const MAX_CLOSING_FRAME_BYTES = 4096;

/** Starts a timer; returns its cancel. Injected: server/core has no timers of its own. */
export type SetTimer = (fn: () => void, ms: number) => () => void;

export interface PollAnswer {
  /** Server frames in order, each the text a WebSocket would have carried. */
  readonly frames: readonly string[];
  /** Set once the connection is closed: the close a WebSocket would have got. The session is then gone. */
  readonly close?: { readonly code: number; readonly reason: string };
}

export interface HttpSession {
  readonly id: string;
  readonly library: string;
  readonly claims: Claims;
  readonly socket: ServerSocket;
  connection: Connection | undefined;
  /** Waits for frames (or the close) and drains at most `maxBytes` of them (always at least one frame). */
  poll(o: { pollMs: number; maxBytes: number }): Promise<PollAnswer>;
  /** Answers a waiting poll with what is queued now (a session that ends). */
  release(): void;
  /** True once the core closed the connection (the close may still wait for a poll). */
  readonly closing: boolean;
  /** True once the close was delivered to a poll: nothing is left to hand out. */
  readonly finished: boolean;
  /** True while a poll waits: the client is present. */
  readonly polling: boolean;
  /** Undrained frames and their UTF-8 bytes (tests, logs). */
  queued(): { frames: number; bytes: number };
}

interface Waiter {
  readonly resolve: (answer: PollAnswer) => void;
  readonly maxBytes: number;
  readonly cancel: () => void;
}

export function createHttpSession(o: { id: string; library: string; claims: Claims; setTimer: SetTimer }): HttpSession {
  const frames: { text: string; bytes: number }[] = [];
  let queuedBytes = 0;
  let sentBytes = 0;
  let close: PollAnswer['close'];
  let finished = false;
  let waiter: Waiter | undefined;

  const drain = (maxBytes: number): PollAnswer => {
    const out: string[] = [];
    let bytes = 0;
    while (frames.length > 0 && (out.length === 0 || bytes + (frames[0]?.bytes ?? 0) <= maxBytes)) {
      const frame = frames.shift() as { text: string; bytes: number };
      out.push(frame.text);
      bytes += frame.bytes;
      queuedBytes -= frame.bytes;
    }
    // The close goes only after every frame queued before it.
    if (frames.length > 0 || close === undefined) return { frames: out };
    finished = true;
    return { frames: out, close };
  };
  const wake = (): void => {
    const current = waiter;
    if (current === undefined) return;
    waiter = undefined;
    current.cancel();
    current.resolve(drain(current.maxBytes));
  };

  const socket: ServerSocket = {
    send: (text) => {
      if (close !== undefined) return;
      const bytes = utf8Length(text);
      frames.push({ text, bytes });
      queuedBytes += bytes;
      sentBytes += bytes;
      wake();
    },
    close: (code, reason) => {
      if (close !== undefined) return;
      close = { code, reason };
      const last = frames.at(-1);
      frames.length = 0;
      if (last !== undefined && last.bytes <= MAX_CLOSING_FRAME_BYTES) frames.push(last);
      queuedBytes = frames.reduce((sum, frame) => sum + frame.bytes, 0);
      wake();
    },
    sendQueue: () => ({ sentBytes, bufferedBytes: queuedBytes }),
  };

  return {
    id: o.id,
    library: o.library,
    claims: o.claims,
    socket,
    connection: undefined,
    get finished() {
      return finished;
    },
    get closing() {
      return close !== undefined;
    },
    get polling() {
      return waiter !== undefined;
    },
    queued: () => ({ frames: frames.length, bytes: queuedBytes }),
    release: wake,
    poll({ pollMs, maxBytes }) {
      wake();
      if (frames.length > 0 || close !== undefined) return Promise.resolve(drain(maxBytes));
      return new Promise((resolve) => {
        const cancel = o.setTimer(() => {
          if (waiter?.resolve !== resolve) return;
          waiter = undefined;
          resolve({ frames: [] });
        }, pollMs);
        waiter = { resolve, maxBytes, cancel };
      });
    },
  };
}
