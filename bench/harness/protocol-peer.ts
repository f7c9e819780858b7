/**
 * A replica in Node that speaks the wire protocol over `ws` without a store,
 * for server figures: it builds libraries, pushes, and stands in for many
 * connected replicas. Unlike test/helpers/protocol-client.ts it has no test
 * framework dependency and decodes each frame only as far as a figure asks:
 * `onFrame` sees raw frames first (a fan-out receiver only counts them).
 */
import WebSocket from 'ws';
import { PROTOCOL_VERSION, decodeServerMessage, encodeMessage } from '../../src/protocol/index.js';
import type { Op } from '../../src/core/index.js';
import type { ClientMessage, ServerMessage, ServerMessageType } from '../../src/protocol/index.js';

export type MessageOf<T extends ServerMessageType> = Extract<ServerMessage, { type: T }>;

export interface ProtocolPeer {
  readonly socket: WebSocket;
  send(message: ClientMessage): void;
  sendFrame(frame: string): void;
  /** The next message of this type (earlier ones of other types wait in an inbox). */
  next<T extends ServerMessageType>(type: T, timeoutMs?: number): Promise<MessageOf<T>>;
  /** Handles raw frames instead of decoding them into the inbox while set; return true to keep the frame from the inbox. */
  onFrame: ((frame: string) => boolean) | undefined;
  /** Joins a library that has history as a new replica `replicaId` (hello, reset, join, snapshot) until `synced`. Returns the synced head. */
  joinLive(replicaId: string): Promise<number>;
  /** As the first replica of an empty library: hello, then a seed of these ops, until `synced`. */
  seed(replicaId: string, ops: readonly Op[]): Promise<void>;
  /** Pushes own ops and waits for the ack of the last one. */
  push(ops: readonly Op[]): Promise<void>;
  close(): Promise<void>;
}

export async function openPeer(options: { url: string; library: string; token: string }): Promise<ProtocolPeer> {
  const socket = new WebSocket(`${options.url}/${encodeURIComponent(options.library)}?token=${encodeURIComponent(options.token)}`, {
    perMessageDeflate: false,
  });
  const inbox: ServerMessage[] = [];
  const waiters: { type: ServerMessageType; resolve: (m: ServerMessage) => void }[] = [];
  let closedWith: string | undefined;
  const closed = new Promise<void>((resolve) =>
    socket.on('close', (code, reason) => {
      closedWith = `${code} ${reason.toString()}`;
      resolve();
    }),
  );
  const peer: ProtocolPeer = {
    socket,
    onFrame: undefined,
    send: (message) => socket.send(encodeMessage(message)),
    sendFrame: (frame) => socket.send(frame),
    next: (type, timeoutMs = 30_000) => {
      const index = inbox.findIndex((m) => m.type === type);
      if (index >= 0) return Promise.resolve(inbox.splice(index, 1)[0] as never);
      if (closedWith !== undefined) return Promise.reject(new Error(`socket closed (${closedWith}) before ${type}`));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${type} within ${timeoutMs} ms; inbox ${inbox.map((m) => m.type).join(',')}`)), timeoutMs);
        waiters.push({ type, resolve: (m) => (clearTimeout(timer), resolve(m as never)) });
        void closed.then(() => (clearTimeout(timer), reject(new Error(`socket closed (${closedWith}) while waiting for ${type}`))));
      });
    },
    async joinLive(replicaId) {
      // A join must name an id the library has not seen, hello's included.
      peer.send({ type: 'hello', protocol: PROTOCOL_VERSION, replicaId: `${replicaId}-hello`, cursor: null, localSeq: 0, atRisk: 0 });
      const decision = await peer.next('decision');
      if (decision.decision === 'accept') throw new Error('joinLive needs a library with history; seed it first');
      else if (decision.decision === 'reset') peer.send({ type: 'join', replicaId });
      return (await peer.next('synced')).serverSeq;
    },
    async seed(replicaId, ops) {
      peer.send({ type: 'hello', protocol: PROTOCOL_VERSION, replicaId, cursor: null, localSeq: ops.at(-1)?.seq ?? 0, atRisk: 0 });
      const decision = await peer.next('decision');
      if (decision.decision !== 'accept') throw new Error(`seed: the server decided ${decision.decision}, not accept`);
      const chunk = 1000;
      for (let i = 0; i < ops.length || i === 0; i += chunk) {
        peer.send({ type: 'seed', baselines: [], ops: ops.slice(i, i + chunk), done: i + chunk >= ops.length });
      }
      await peer.next('synced', 120_000);
    },
    async push(ops) {
      peer.send({ type: 'push', ops });
      const last = (ops.at(-1) as Op).seq;
      while ((await peer.next('ack')).toSeq < last);
    },
    close: async () => {
      if (closedWith === undefined) socket.close();
      await closed;
    },
  };
  socket.on('message', (data) => {
    const frame = data.toString();
    if (peer.onFrame?.(frame)) return;
    const decoded = decodeServerMessage(frame);
    if (!decoded.ok) throw decoded.error;
    const message = decoded.value;
    if (message.type === 'error') process.stderr.write(`[bench] server error frame: ${message.code} ${message.message}\n`);
    const waiter = waiters.findIndex((w) => w.type === message.type);
    if (waiter >= 0) waiters.splice(waiter, 1)[0]?.resolve(message);
    else inbox.push(message);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
    socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode} from ${options.url}`)));
  });
  socket.on('error', () => {});
  return peer;
}
