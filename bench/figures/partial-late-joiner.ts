/**
 * Partial late joiner (issue 16): a new store whose replication query holds
 * about 10% of the late-joiner library joins it, against a full late joiner
 * of the same library, interleaved in the same run (budget: at most 0.15x).
 * Called by late-joiner.ts once its library is built.
 */
import type { ClientPage } from '../harness/browser.js';
import type { Item } from '../client/items.js';
import { compareRow } from '../harness/budget.js';
import { interleave } from '../harness/stats.js';
import type { BenchSyncServer, SyncServerKind } from '../harness/sync-server.js';
import type { FigureRow } from '../harness/types.js';

/** The most prefixes a query takes (protocol MAX_QUERY_PREFIXES). */
const MAX_PREFIXES = 16;
const DIGITS = '0123456789abcdefghijklmnopqrstuvwxyz';

/**
 * Id prefixes of about a tenth of `late-<5 base-36 digits>` ids 0..count-1:
 * prefixes of 36 ids (4th digit) when 16 of them reach it, else prefixes of
 * 1,296 ids (3rd digit). 10,000 ids: `late-000`, 1,296 ids (13%, so the row
 * is stricter than 10%); 5,000 (--quick): 14 prefixes, 504 ids.
 */
export function tenthOf(count: number): string[] {
  const fine = Math.round(count / 10 / 36);
  if (fine <= MAX_PREFIXES) return Array.from({ length: Math.max(1, fine) }, (_, i) => `late-000${DIGITS[i]}`);
  return Array.from({ length: Math.max(1, Math.round(count / 10 / 1296)) }, (_, i) => `late-00${DIGITS[i]}`);
}

export async function partialRow(o: {
  kind: SyncServerKind;
  server: BenchSyncServer;
  client: ClientPage;
  library: string;
  docs: readonly Item[];
  quick: boolean;
}): Promise<FigureRow> {
  const idPrefix = tenthOf(o.docs.length);
  const part = o.docs.filter((doc) => idPrefix.some((p) => doc.id.startsWith(p)));
  let joiner = 0;
  const join = async (query: { idPrefix: string[] } | undefined, docs: readonly Item[]) => {
    await o.client.reload();
    const token = await o.server.token(o.library, 'write', `partial-joiner-${joiner++}`);
    return o.client.call<number>('late-joiner', 'trellis', { url: o.server.url, library: o.library, token, count: docs.length, check: docs[docs.length - 1], ...(query ? { query } : {}) });
  };
  const values = await interleave({
    samples: o.quick ? 2 : 6,
    // One pair first: the first partial join of a run also pays for code paths the full joins before it never took.
    warmup: 1,
    sample: (side) => (side === 'trellis' ? join({ idPrefix }, part) : join(undefined, o.docs)),
  });
  return compareRow({
    figure: `partial late joiner, 10% of the library (${o.kind})`,
    unit: 'ms',
    better: 'lower',
    values,
    limit: 'the full late joiner of the same library, same run',
    budget: { maxRatio: 0.15 },
    notes:
      `createSync with query { idPrefix: [${idPrefix.map((p) => `'${p}'`).join(', ')}] }: ${part.length} of ${o.docs.length} documents ` +
      `(${((100 * part.length) / o.docs.length).toFixed(1)}%); a sample, as in the late-joiner row: a freshly loaded page, createStore + createSync (autoJoin) ` +
      `until find() shows every document of the query (one checked field by field); interleaved with a full join of the library`,
  });
}
