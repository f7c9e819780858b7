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
import { materialize } from '../merge/index.js';
import { applyDefaults, type Migration } from '../schema/index.js';
import type { StoreContext } from './context.js';
import { META_SCHEMA_VERSION, docTableName, type DocRow, type HeadRow } from './database.js';
import { docRow } from './index-keys.js';
import { pushTo } from './push-to.js';
import { flushWrites, withWriteScope, writeChangesIn, type WriteRequest } from './write.js';

export async function migrate(ctx: StoreContext): Promise<void> {
  const stored = (await ctx.db.table('meta').get(META_SCHEMA_VERSION))?.value as number | undefined;
  const target = ctx.schema.version;
  if (stored === target) return;
  await withWriteScope(ctx, { undoable: false }, async (scope) => {
    if (stored !== undefined) {
      await rematerializeAll(ctx, scope.tx);
      for (let version = stored + 1; version <= target; version++) {
        for (const [collection, step] of Object.entries(ctx.schema.definition.migrations?.[version] ?? {})) {
          await flushWrites(scope); // the previous step's writes, so this one reads them
          const rows = (await scope.tx.table(docTableName(collection)).toArray()) as DocRow[];
          await writeChangesIn(ctx, scope, rows.map((row) => migrationRequest({ collection, version, step, row })));
        }
      }
    }
    await scope.tx.table('meta').put({ key: META_SCHEMA_VERSION, value: target });
  });
}

function migrationRequest(options: { collection: string; version: number; step: Migration; row: DocRow }): WriteRequest {
  const { collection, version, step, row } = options;
  return {
    collection,
    id: row.k,
    build: ({ doc }) => {
      if (doc === undefined) return [];
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
  const heads = (await tx.table('heads').toArray()) as HeadRow[];
  const rows = new Map<string, DocRow[]>();
  for (const head of heads) {
    const def = ctx.schema.definition.collections[head.collection];
    if (!def || !Object.hasOwn(ctx.schema.definition.collections, head.collection)) continue;
    const doc = materialize(head.state);
    if (doc) pushTo(rows, docTableName(head.collection), docRow(def, head.id, applyDefaults(def.fields, doc)));
  }
  for (const [table, list] of rows) await tx.table(table).bulkPut(list);
}
