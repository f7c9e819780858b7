/** Fills a library from Node, as another replica would: a real store (fake-indexeddb) syncing over `ws`. */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { filter, firstValueFrom, timeout } from 'rxjs';
import WebSocket from 'ws';
import { createStore } from 'trellis';
import type { NodeServer } from 'trellis/server/node';
import { createSync } from 'trellis/sync';
import { listSchema } from '../../../demo/src/schema.js';

export async function seedLibrary(o: { server: NodeServer; library: string; count: number }): Promise<void> {
  const store = await createStore({ name: `seed-${o.library}`, schema: listSchema, indexedDB: new IDBFactory(), IDBKeyRange });
  const items = Array.from({ length: o.count }, (_, i) => ({
    id: `item-${String(i).padStart(5, '0')}`,
    title: `Pantry item ${i + 1}`,
    done: i % 7 === 0,
    addedBy: 'Seeder',
    createdAt: 1_700_000_000_000 + i,
  }));
  await store.collection('items').bulkPut(items);
  const token = await o.server.tokens.issue({ library: o.library, user: 'seeder', role: 'write', expiresIn: '1h' });
  const sync = createSync(store, { url: o.server.url, library: o.library, token, WebSocket });
  try {
    // A safety net against hangs, not a timing assertion.
    await firstValueFrom(sync.state.pipe(filter((s) => s.phase === 'live' && s.pending === 0), timeout(30_000)));
  } finally {
    await sync.stop();
    await store.close();
  }
}
