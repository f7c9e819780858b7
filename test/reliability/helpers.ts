/** Shared by the reliability tests: replicas on an in-process server through a manual network. */
import { onTestFinished } from 'vitest';
import { createSync } from 'trellis/sync';
import type { AutoJoin, Sync, SyncState } from 'trellis/sync';
import { createMemoryServer, createNetwork, testToken } from 'trellis/testing';
import type { MemoryServer, MemoryServerOptions, Network } from 'trellis/testing';
import { getStoreHost } from '../../src/store/index.js';
import type { StoreHost } from '../../src/store/index.js';
import { testDatabase } from '../helpers/open-test-store.js';
import type { TestDatabase, TodoStore } from '../helpers/open-test-store.js';

export const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface Rig {
  readonly memory: MemoryServer;
  readonly network: Network;
  replica(name: string, options?: { autoJoin?: AutoJoin; db?: TestDatabase; user?: string }): Promise<Replica>;
  /** Delivers everything (partitions aside) until nothing moves for `quiet` turns; bounded. */
  settle(options?: { quiet?: number; maxTurns?: number }): Promise<void>;
}

export interface Replica {
  readonly name: string;
  readonly db: TestDatabase;
  readonly store: TodoStore;
  readonly host: StoreHost;
  readonly sync: Sync;
  state(): SyncState;
  close(): Promise<void>;
}

/** A memory server and a manual network, closed when the test ends. */
export function createRig(options: MemoryServerOptions & { seed?: number } = {}): Rig {
  const memory = createMemoryServer(options);
  const network = createNetwork({ server: memory, seed: options.seed ?? 1 });
  const replicas: Replica[] = [];
  onTestFinished(async () => {
    for (const r of replicas) await r.close().catch(() => {});
    network.close();
    memory.close();
  });
  return {
    memory,
    network,
    async replica(name, o = {}) {
      const db = o.db ?? testDatabase();
      const store = await db.open();
      const sync = createSync(store, {
        url: 'ws://memory',
        library: 'lib',
        token: testToken({ library: 'lib', user: o.user ?? name }),
        transport: network.transport(name),
        autoJoin: o.autoJoin ?? 'when-nothing-at-risk',
      });
      let last: SyncState = { phase: 'connecting', pending: 0 };
      sync.state.subscribe((s) => (last = s));
      let closed = false;
      const replica: Replica = {
        name,
        db,
        store,
        host: getStoreHost(store),
        sync,
        state: () => last,
        close: async () => {
          if (closed) return;
          closed = true;
          await sync.stop();
          await store.close();
        },
      };
      replicas.push(replica);
      return replica;
    },
    async settle({ quiet = 40, maxTurns = 20_000 } = {}) {
      let still = 0;
      for (let i = 0; i < maxTurns && still < quiet; i++) {
        still = network.deliver(100) > 0 ? 0 : still + 1;
        await turn();
      }
    },
  };
}
