/**
 * Schema upgrades. Dexie adds the new tables and indexes; here, in one
 * transaction, every document is re-materialized from its head (filling new
 * defaults and new index keys, and surfacing documents of collections this
 * replica received before it knew them), then each migration step runs once
 * per document, recorded as ordinary ops so the change syncs.
 */
import type { Transaction } from 'dexie';
import type { JsonObject } from '../core/index.js';
import { ErrorCode, TrellisError, deepEqual, isTrellisError } from '../core/index.js';
import type { Migration } from '../schema/index.js';
import type { StoreContext } from './context.js';
import { LAYOUT, META_LAYOUT, META_SCHEMA_VERSION, docTableName, type DocRow } from './database.js';
import { headWrite, readAllHeads, writeHeads } from './heads.js';
import { flushWrites, headKey, withWriteScope, writeChangesIn, type WriteRequest } from './write.js';
import { recheckAll } from './invalid-documents.js';

export async function migrate(ctx: StoreContext): Promise<void> {
  const [stored, layout] = (await ctx.db.table('meta').bulkGet([META_SCHEMA_VERSION, META_LAYOUT])).map((row) => row?.value) as [number | undefined, number | undefined];
  const target = ctx.schema.version;
  if (stored === target && layout === LAYOUT) return;
  await withWriteScope(ctx, { undoable: false }, async (scope) => {
    // A new schema, or a database written before heads moved into document rows.
    if (stored !== undefined) {
      await rematerializeAll(ctx, scope.tx);
      for (let version = stored + 1; version <= target; version++) {
        for (const [collection, step] of Object.entries(ctx.schema.definition.migrations?.[version] ?? {})) {
          await flushWrites(ctx, scope); // the previous step's writes, so this one reads them
          const rows = (await scope.tx.table(docTableName(collection)).toArray()) as DocRow[];
          await writeChangesIn(ctx, scope, rows.map((row) => migrationRequest({ collection, version, step, row })));
        }
      }
      await flushWrites(ctx, scope);
      // Documents the new schema forbids are hidden now, and those it accepts again are shown (invalid-documents.ts).
      await recheckAll(ctx, scope.tx);
    }
    await scope.tx.table('meta').bulkPut([
      { key: META_SCHEMA_VERSION, value: target },
      { key: META_LAYOUT, value: LAYOUT },
    ]);
  });
}

function migrationRequest(options: { collection: string; version: number; step: Migration; row: DocRow }): WriteRequest {
  const { collection, version, step, row } = options;
  return {
    collection,
    id: row.k,
    build: ({ doc }) => {
      if (doc === undefined || row.d === undefined) return [];
      let next: JsonObject;
      try {
        next = step(structuredClone(row.d));
      } catch (err) {
        throw failed({ collection, version, id: row.k }, err);
      }
      return deepEqual(next, row.d) ? [] : [{ kind: 'put', value: next }];
    },
  };
}

function failed(where: { collection: string; version: number; id: string }, cause: unknown): TrellisError {
  if (isTrellisError(cause)) return cause;
  return new TrellisError(
    ErrorCode.SCHEMA_MIGRATION_FAILED,
    `Migration to version ${where.version} failed on ${where.collection} "${where.id}": ${cause instanceof Error ? cause.message : String(cause)}. Fix the migration; the data stays at the previous version.`,
    { details: where, cause },
  );
}

async function rematerializeAll(ctx: StoreContext, tx: Transaction): Promise<void> {
  const keys = (await tx.table('heads').toCollection().primaryKeys()) as [string, string][];
  const inHeads = new Set(keys.map(([collection, id]) => headKey(collection, id)));
  const writes = (await readAllHeads(ctx, tx)).map(({ collection, id, state }) => headWrite(ctx, collection, id, state, inHeads.has(headKey(collection, id))));
  await writeHeads(ctx, tx, writes);
}
