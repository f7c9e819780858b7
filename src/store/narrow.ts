/**
 * Narrowing a replica's replication query: the documents it no longer asks
 * for leave this store (nothing is deleted on the server), in one
 * transaction with the new record of what it holds. Before they go, the
 * unacknowledged own writes among them are archived (reason 'narrowed',
 * store.archives), so the user keeps what they wrote even if the server then
 * refuses it.
 *
 * Those ops stay in the op log meanwhile: a replica's seqs are gap-free, so
 * they are still pushed (the server stores them as any write inside the
 * token's scope) and compaction drops them once acknowledged. Ops of other
 * replicas to dropped documents also wait for compaction; a later widening
 * receives them again and merges them (the merge is idempotent).
 */
import type { Op } from '../core/index.js';
import type { StoreContext } from './context.js';
import { docTableName, readLocal, type Archive } from './database.js';
import { stripServerSeq } from './compact.js';
import { readAllHeads } from './heads.js';
import { META_INVALID } from './invalid-documents.js';
import { opsAfter } from './op-log.js';
import { knownCollection } from './context.js';
import { mapStorageError } from './map-storage-error.js';

export interface NarrowOptions {
  /** True for each document to drop. */
  readonly drop: (collection: string, id: string) => boolean;
  /** Written in the same transaction (what the replica holds from now on). */
  readonly meta?: Readonly<Record<string, unknown>>;
}

/** Drops the documents `drop` names; returns how many, and the archive of their unacknowledged own writes, if any. */
export async function narrowTo(ctx: StoreContext, o: NarrowOptions): Promise<{ dropped: number; archive?: Archive }> {
  try {
    const result = await ctx.db.transaction('rw', ctx.tables as string[], async (tx) => {
      const local = await readLocal(tx);
      const doomed = (await readAllHeads(ctx, tx)).filter((head) => o.drop(head.collection, head.id));
      const unacknowledged: Op[] = (await opsAfter(tx, local.replicaId, local.ackedSeq)).map(stripServerSeq).filter((op) => o.drop(op.collection, op.id));
      const archive: Archive | undefined =
        unacknowledged.length > 0 ? { id: ctx.createId(), createdAt: ctx.now(), reason: 'narrowed', replicaId: local.replicaId, ops: unacknowledged } : undefined;
      if (archive) await tx.table('archives').add(archive);
      for (const { collection, id } of doomed) {
        if (knownCollection(ctx, collection)) await tx.table(docTableName(collection)).delete(id);
        else await tx.table('heads').delete([collection, id]);
      }
      const invalid = (await tx.table('meta').get(META_INVALID))?.value as Record<string, { collection: string; id: string }> | undefined;
      if (invalid !== undefined) {
        const kept = Object.fromEntries(Object.entries(invalid).filter(([, entry]) => !o.drop(entry.collection, entry.id)));
        await tx.table('meta').put({ key: META_INVALID, value: kept });
      }
      await tx.table('meta').bulkPut(Object.entries(o.meta ?? {}).map(([key, value]) => ({ key, value })));
      return archive ? { dropped: doomed.length, archive } : { dropped: doomed.length };
    });
    // The in-memory heads may hold dropped documents: forgotten, they are read again from storage.
    ctx.heads.clear();
    return result;
  } catch (err) {
    throw mapStorageError(err);
  }
}
