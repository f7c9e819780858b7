import { summarize } from '../harness/stats.js';
import { rowBytes } from '../harness/idb-size.js';
import type { Figure } from '../harness/types.js';
import type { StoredTable } from '../client/figures/storage.js';

const DOCS = 1_000;
const CHUNK = 1_000;

type Row = Record<string, unknown>;

/** The document a stored row belongs to, or undefined for shared rows (meta). */
function docOf(table: string, row: Row): string | undefined {
  if (table === 'c_items') return row.k as string;
  if (row.collection === 'items' && typeof row.id === 'string') return row.id;
  return undefined;
}

/** Bytes per document after many updates and compaction, against the documents' own JSON. */
export const storage: Figure = {
  name: 'storage',
  title: 'storage after 100,000 updates to 1,000 docs and compaction, bytes per doc',
  async run(ctx) {
    const updates = ctx.quick ? 10_000 : 100_000;
    const client = await ctx.client();
    const before = await client.call<number>('storage', 'usage');
    await client.call('storage', 'setup', { docs: DOCS });
    try {
      const updateMs = await client.call<number>('storage', 'update', { docs: DOCS, updates, chunk: CHUNK });
      const compacted = await client.call<{ ms: number; squashed: number }>('storage', 'compact');
      const usage = (await client.call<number>('storage', 'usage')) - before;
      const tables = await client.call<StoredTable[]>('storage', 'rows');
      const perDoc = new Map<string, number>();
      const perTable = new Map<string, number>();
      let shared = 0;
      for (const table of tables) {
        for (const row of table.rows as Row[]) {
          const bytes = rowBytes(table, row);
          perTable.set(table.name, (perTable.get(table.name) ?? 0) + bytes);
          const doc = docOf(table.name, row);
          if (doc === undefined) shared += bytes;
          else perDoc.set(doc, (perDoc.get(doc) ?? 0) + bytes);
        }
      }
      const items = (tables.find((t) => t.name === 'c_items')?.rows ?? []) as Row[];
      const json = items.map((row) => Buffer.byteLength(JSON.stringify(row.d)));
      const trellis = [...perDoc.values()].map((bytes) => bytes + shared / perDoc.size);
      const breakdown = [...perTable].map(([name, bytes]) => `${name} ${Math.round(bytes / DOCS)}`).join(', ');
      return [
        {
          figure: 'storage',
          unit: 'B/doc',
          better: 'lower',
          subject: summarize(trellis, 'lower'),
          limit: { what: 'the document as JSON', ...summarize(json, 'lower') },
          budget: { maxRatio: 3 },
          notes:
            `${updates} single-field updates (${CHUNK} per transaction, ${(updateMs / 1000).toFixed(1)} s) to ${DOCS} docs, ` +
            `compact() squashed ${compacted.squashed} ops in ${(compacted.ms / 1000).toFixed(1)} s; ` +
            `bytes = V8-serialized values + IndexedDB keys + index entries (bench/harness/idb-size.ts); ` +
            `per doc by table: ${breakdown}; ` +
            `navigator.storage.estimate() usage delta ${Math.round(usage / DOCS)} B/doc (on-disk LevelDB, compressed, includes deleted ops not yet compacted by LevelDB; not used for the budget)`,
        },
      ];
    } finally {
      await client.call('storage', 'teardown');
    }
  },
};
