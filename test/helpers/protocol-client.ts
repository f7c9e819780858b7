/**
 * A raw protocol client over `ws` for server tests: it speaks the wire
 * directly (no store) and validates every frame the server sends with
 * decodeServerMessage, so a malformed server frame fails the test.
 */
import { onTestFinished } from 'vitest';
import WebSocket from 'ws';
import { PROTOCOL_VERSION, decodeServerMessage, encodeMessage } from 'trellis/protocol';
import type { ClientMessage, Cursor, DecisionMessage, ServerMessage, ServerMessageType } from 'trellis/protocol';

export type MessageOf<T extends ServerMessageType> = Extract<ServerMessage, { type: T }>;

export interface CloseEvent {
  readonly code: number;
  readonly reason: string;
}

export interface ProtocolClient {
  /** Every message received so far, in order (taken or not). */
  readonly received: readonly ServerMessage[];
  /** UTF-8 bytes of each received frame, parallel to `received`. */
  readonly frameBytes: readonly number[];
  /** Each received frame's text, parallel to `received` (to check the wire form, packed or plain). */
  readonly frames: readonly string[];
  send(message: ClientMessage): void;
  sendRaw(frame: string | Buffer): void;
  /** The first message of this type not taken yet (waits for it). */
  next<T extends ServerMessageType>(type: T): Promise<MessageOf<T>>;
  /** Sends hello and returns the decision. */
  hello(options: { replicaId: string; cursor?: Cursor | null; localSeq?: number; atRisk?: number; protocol?: number }): Promise<DecisionMessage>;
  readonly closed: Promise<CloseEvent>;
  close(): Promise<void>;
}

/** How long `next` waits before failing with what did arrive (a diagnostic, not a timing assertion). */
const WAIT_MS = 8000;

export async function openClient(options: { url: string; library: string; token?: string | undefined }): Promise<ProtocolClient> {
  const query = options.token === undefined ? '' : `?token=${encodeURIComponent(options.token)}`;
  const ws = new WebSocket(`${options.url}/${encodeURIComponent(options.library)}${query}`);
  const received: ServerMessage[] = [];
  const frameBytes: number[] = [];
  const frames: string[] = [];
  const inbox: ServerMessage[] = [];
  const waiters: { type: ServerMessageType; resolve: (m: ServerMessage) => void; reject: (e: Error) => void }[] = [];
  let closeEvent: CloseEvent | undefined;
  const closed = new Promise<CloseEvent>((resolve) => {
    ws.on('close', (code, reason) => {
      closeEvent = { code, reason: reason.toString() };
      for (const waiter of waiters.splice(0)) waiter.reject(new Error(`socket closed (${code} ${reason.toString()}) while waiting for ${waiter.type}`));
      resolve(closeEvent);
    });
  });
  ws.on('message', (data) => {
    const frame = data.toString();
    const decoded = decodeServerMessage(frame);
    if (!decoded.ok) throw decoded.error;
    received.push(decoded.value);
    frameBytes.push(Buffer.byteLength(frame));
    frames.push(frame);
    const waiter = waiters.findIndex((w) => w.type === decoded.value.type);
    if (waiter >= 0) waiters.splice(waiter, 1)[0]?.resolve(decoded.value);
    else inbox.push(decoded.value);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  ws.on('error', () => {});
  const client: ProtocolClient = {
    received,
    frameBytes,
    frames,
    send: (message) => ws.send(encodeMessage(message)),
    sendRaw: (frame) => ws.send(frame),
    next: <T extends ServerMessageType>(type: T) => {
      const index = inbox.findIndex((m) => m.type === type);
      if (index >= 0) return Promise.resolve(inbox.splice(index, 1)[0] as MessageOf<T>);
      if (closeEvent !== undefined) return Promise.reject(new Error(`socket closed (${closeEvent.code}) before ${type}`));
      return new Promise<MessageOf<T>>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${type} within ${WAIT_MS} ms; received ${JSON.stringify(received.map((m) => m.type))}`)), WAIT_MS);
        const done = (m: ServerMessage): void => (clearTimeout(timer), resolve(m as MessageOf<T>));
        waiters.push({ type, resolve: done, reject: (e) => (clearTimeout(timer), reject(e)) });
      });
    },
    hello: (o) => {
      client.send({ type: 'hello', protocol: o.protocol ?? PROTOCOL_VERSION, replicaId: o.replicaId, cursor: o.cursor ?? null, localSeq: o.localSeq ?? 0, atRisk: o.atRisk ?? 0 });
      return client.next('decision');
    },
    closed,
    close: async () => {
      if (closeEvent === undefined) ws.close();
      await closed;
    },
  };
  onTestFinished(() => client.close());
  return client;
}
