/**
 * Page side of the `propagation` figure's limit: the floor a synced write
 * has to cross, with nothing of Trellis in it. Tab A puts the document into
 * its own raw Dexie table and, once the put resolved (committed, as a write
 * must be before anyone is told of it), sends it over a plain WebSocket to a
 * `ws` relay in Node; tab B parses the frame, puts the document into its own
 * raw Dexie table, and its open `liveQuery` (the same window as Trellis's
 * find: one list by createdAt, limit 50) emits it. Each tab has a database of
 * its own, so B's query learns of the write from B's put, never from A's
 * through Dexie's cross-tab broadcast. Times use the same clock as
 * propagation.ts (`performance.timeOrigin + now()`), so the Node side
 * subtracts the same offset.
 */
import { liveQuery, Dexie, type Subscription } from 'dexie';
import { dropDatabase, freshName, makeItems, rawDb, type Item, type PageFigure, type RawDb } from '../shared.js';

const clock = () => performance.timeOrigin + performance.now();

let db: RawDb | undefined;
let name = '';
let socket: WebSocket | undefined;
let subscription: Subscription | undefined;
let docs = new Map<string, Item>();
let watch: { accept: (docs: readonly Item[]) => boolean; resolve: (at: number) => void } | undefined;
let seen: Promise<number> | undefined;
/** Where the floor's time goes (each tab's own clock): A's put resolved, B's frame arrived. */
const marks = { putDone: 0, frameReceived: 0 };

/** The relay frame: the document, padded with spaces to `bytes` bytes (the size of Trellis's push). */
function frameOf(doc: Item, bytes: number): string {
  const head = JSON.stringify({ doc, pad: '' });
  return JSON.stringify({ doc, pad: ' '.repeat(Math.max(0, bytes - new TextEncoder().encode(head).length)) });
}

export const propagationFloor: PageFigure = {
  /** Both tabs: a raw Dexie database with the same `count` documents, and a WebSocket to the relay; B subscribes its query. */
  async open({ url, count, role }: { url: string; count: number; role: 'A' | 'B' }) {
    name = freshName(`propagation-floor-${role}`);
    db = rawDb(name);
    const items = makeItems('p', count);
    await db.items.bulkPut(items);
    docs = new Map(items.map((item) => [item.id, item]));
    socket = new WebSocket(url);
    await new Promise((resolve, reject) => ((socket as WebSocket).onopen = resolve, (socket as WebSocket).onerror = reject));
    if (role === 'A') return;
    const table = db.items;
    socket.onmessage = (e: MessageEvent<string>) => {
      marks.frameReceived = clock();
      const { doc } = JSON.parse(e.data) as { doc: Item };
      void table.put(doc);
    };
    const ready = new Promise<number>((resolve) => (watch = { accept: (d) => d.length === Math.min(50, count), resolve }));
    subscription = liveQuery(() => table.where('[list+createdAt]').between(['list-0', Dexie.minKey], ['list-0', Dexie.maxKey]).limit(50).toArray()).subscribe(
      (window) => {
        if (!watch?.accept(window)) return;
        const { resolve } = watch;
        watch = undefined;
        resolve(clock());
      },
    );
    await ready;
  },
  /** B: arm the watch for `title` on document `id`. */
  async expect({ id, title }: { id: string; title: string }) {
    seen = new Promise((resolve) => (watch = { accept: (window) => window.some((d) => d.id === id && d.title === title), resolve }));
  },
  /** B: when the armed watch fired (B's clock). */
  async seen() {
    return seen;
  },
  /** A: put the edited document, then send it in a `bytes`-byte frame; returns when the write started (A's clock). */
  async write({ id, title, bytes }: { id: string; title: string; bytes: number }) {
    const doc = { ...(docs.get(id) as Item), title };
    docs.set(id, doc);
    const at = clock();
    await (db as RawDb).items.put(doc);
    marks.putDone = clock();
    (socket as WebSocket).send(frameOf(doc, bytes));
    return at;
  },
  marks: async () => marks,
  async close() {
    subscription?.unsubscribe();
    socket?.close();
    db?.close();
    if (name) await dropDatabase(name);
    subscription = undefined;
    socket = undefined;
    db = undefined;
    name = '';
    watch = undefined;
  },
};
