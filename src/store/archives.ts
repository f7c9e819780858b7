import type { Change, Op } from '../core/index.js';
import { ErrorCode, TrellisError } from '../core/index.js';
import { applyOps, emptyDocState, materialize } from '../merge/index.js';
import type { StoreContext } from './context.js';
import type { Archive } from './database.js';
import { headKey, writeChanges, type WriteRequest } from './write.js';
import { pushTo } from './push-to.js';

export const ARCHIVE_FORMAT = 'trellis-archive';

async function loadArchive(ctx: StoreContext, id: string): Promise<Archive> {
  const archive = (await ctx.db.table('archives').get(id)) as Archive | undefined;
  if (!archive) {
    throw new TrellisError(ErrorCode.NOT_FOUND, `No archive with id "${id}". List them with store.archives.`, { details: { id } });
  }
  return archive;
}

/** The archive as a self-describing JSON document, for download. */
export async function exportArchive(ctx: StoreContext, id: string): Promise<string> {
  const archive = await loadArchive(ctx, id);
  return JSON.stringify({ format: ARCHIVE_FORMAT, version: 1, archive }, null, 2);
}

/**
 * Re-applies an archive's changes as new local ops. A document that still
 * exists gets the archived changes replayed on top of its current state; one
 * that is gone is recreated from its archived final version. Everything is
 * validated first and committed in one transaction.
 */
export async function reapplyArchive(ctx: StoreContext, id: string): Promise<void> {
  const archive = await loadArchive(ctx, id);
  const byDoc = new Map<string, Op[]>();
  for (const op of archive.ops) pushTo(byDoc, headKey(op.collection, op.id), op);
  const requests: WriteRequest[] = [];
  for (const ops of byDoc.values()) {
    const { collection, id: docId } = ops[0] as Op;
    if (!Object.hasOwn(ctx.schema.definition.collections, collection)) continue;
    requests.push({
      collection,
      id: docId,
      build: ({ doc }): Change[] => {
        if (doc !== undefined) return ops.map((op) => op.change);
        const archived = materialize(applyOps(emptyDocState, ops));
        return archived === undefined ? [] : [{ kind: 'put', value: archived }];
      },
    });
  }
  await writeChanges(ctx, requests);
}
