/**
 * Page side of `propagation`. Two tabs play replica A (writes) and B (has an
 * open find). Both read one clock, `performance.timeOrigin + performance.now()`;
 * `calibrate` measures what remains between the two tabs' clocks over a
 * BroadcastChannel (offset at the fastest ping-pong), and the Node side
 * subtracts it. The figure's limit, the floor, is propagation-floor.ts.
 */
import type { Subscription } from 'rxjs';
import { createSync, type Sync } from 'trellis/sync';
import { LISTS, dropDatabase, freshName, makeItems, openStore, type BenchStore, type Item, type PageFigure } from '../shared.js';

const clock = () => performance.timeOrigin + performance.now();

let store: BenchStore | undefined;
let sync: Sync | undefined;
let name = '';
let subscription: Subscription | undefined;
let channel: BroadcastChannel | undefined;
/** UTF-8 bytes of the last `push` frame this tab sent: the floor (propagation-floor.ts) sends as many. */
let lastPushBytes = 0;
/** When the last push left this tab and the last `ops` frame reached it (this tab's clock): where the time goes. */
const marks = { pushSent: 0, ackReceived: 0, opsReceived: 0 };
let watch: { accept: (docs: readonly Item[]) => boolean; resolve: (at: number) => void } | undefined;
let seen: Promise<number> | undefined;

/** The browser's WebSocket, noting the size of each push it sends. */
class MeasuredWebSocket extends WebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    super(url, protocols);
    // Added before the transport's own handler (its onmessage, set after construction), so it runs first.
    this.addEventListener('message', (e: MessageEvent) => {
      if (typeof e.data !== 'string') return;
      if (e.data.startsWith('{"type":"ops"')) marks.opsReceived = clock();
      else if (e.data.startsWith('{"type":"ack"')) marks.ackReceived = clock();
    });
  }

  override send(data: Parameters<WebSocket['send']>[0]): void {
    if (typeof data === 'string' && data.startsWith('{"type":"push"')) {
      marks.pushSent = clock();
      lastPushBytes = new TextEncoder().encode(data).length;
    }
    super.send(data);
  }
}

/**
 * Over HTTP (transport 'http'), the page's fetch, noting the same marks: a
 * POSTed push (its size), and a poll's answer arriving (in A it carries the
 * ack, in B the ops frame; it is answered only once a frame waits).
 */
const plainFetch = globalThis.fetch.bind(globalThis);
async function measuredFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const body = init?.body;
  if (init?.method === 'POST' && typeof body === 'string' && body.startsWith('{"type":"push"')) {
    marks.pushSent = clock();
    lastPushBytes = new TextEncoder().encode(body).length;
  }
  const response = await plainFetch(input, init);
  if ((init?.method ?? 'GET') === 'GET') marks.opsReceived = marks.ackReceived = clock();
  return response;
}

function waitFor<T>(source: { subscribe(fn: (value: T) => void): { unsubscribe(): void } }, accept: (value: T) => boolean): Promise<T> {
  return new Promise((resolve) => {
    const sub = source.subscribe((value) => {
      if (accept(value)) {
        queueMicrotask(() => sub.unsubscribe());
        resolve(value);
      }
    });
  });
}

export const propagation: PageFigure = {
  /** Opens a new store synced to the library; B also subscribes the query. Resolves when live. */
  async open({ url, library, token, role, transport = 'websocket' }: { url: string; library: string; token: string; role: 'A' | 'B'; transport?: 'websocket' | 'http' }) {
    name = freshName(`propagation-${role}`);
    store = await openStore(name);
    globalThis.fetch = transport === 'http' ? measuredFetch : plainFetch;
    sync = createSync(store, { url, library, token, autoJoin: 'always', WebSocket: MeasuredWebSocket, transport });
    await waitFor(sync.state, (s) => s.phase === 'live');
    if (role === 'B') {
      const query = store.collection('items').find({ where: { list: 'list-0' }, orderBy: 'createdAt', limit: 50 });
      subscription = query.subscribe((docs) => {
        if (watch?.accept(docs)) {
          const { resolve } = watch;
          watch = undefined;
          resolve(clock());
        }
      });
      channel = new BroadcastChannel('bench-propagation-clock');
      channel.onmessage = (e: MessageEvent<number>) => channel?.postMessage({ pong: clock(), ping: e.data });
    }
  },
  /** A: `count` documents in one transaction, then until the server acknowledged them. */
  async fill({ count }: { count: number }) {
    const s = store as BenchStore;
    await s.transaction(() => s.collection('items').bulkPut(makeItems('p', count)));
    await waitFor((sync as Sync).state, (state) => state.pending === 0);
  },
  /** B: resolves once the open query shows `count` documents. */
  async expectFilled({ count }: { count: number }) {
    const window = Math.min(50, Math.ceil(count / LISTS));
    await new Promise<number>((resolve) => (watch = { accept: (docs) => docs.length === window, resolve }));
  },
  /** A: the offset of B's clock from A's, from the fastest of `rounds` BroadcastChannel ping-pongs. */
  async calibrate({ rounds }: { rounds: number }) {
    const ch = new BroadcastChannel('bench-propagation-clock');
    let best = { rtt: Number.POSITIVE_INFINITY, offset: 0 };
    for (let i = 0; i < rounds; i++) {
      const sent = clock();
      const pong = await new Promise<number>((resolve) => {
        ch.onmessage = (e: MessageEvent<{ pong: number; ping: number }>) => e.data.ping === sent && resolve(e.data.pong);
        ch.postMessage(sent);
      });
      const back = clock();
      if (back - sent < best.rtt) best = { rtt: back - sent, offset: pong - (sent + back) / 2 };
    }
    ch.close();
    return best;
  },
  /** B: arm the watch for `title` on document `id`. */
  async expect({ id, title }: { id: string; title: string }) {
    seen = new Promise((resolve) => (watch = { accept: (docs) => docs.some((d) => d.id === id && d.title === title), resolve }));
  },
  /** B: when the armed watch fired (B's clock). */
  async seen() {
    return seen;
  },
  /** A: the write; returns when it started (A's clock). Resolves after the local write and the server's ack. */
  async write({ id, title }: { id: string; title: string }) {
    const at = clock();
    await (store as BenchStore).collection('items').update(id, { title });
    await waitFor((sync as Sync).state, (state) => state.pending === 0);
    return at;
  },
  lastPushBytes: async () => lastPushBytes,
  marks: async () => marks,
  async close() {
    subscription?.unsubscribe();
    channel?.close();
    await sync?.stop();
    await store?.close();
    if (name) await dropDatabase(name);
    subscription = undefined;
    channel = undefined;
    sync = undefined;
    store = undefined;
    name = '';
  },
};
