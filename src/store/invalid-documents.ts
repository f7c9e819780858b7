/**
 * Remote documents this replica's schema forbids. Ops and baselines from
 * sync (and snapshots) are merged as always, so nothing is lost and every
 * replica still converges; but a document that merges to a value the schema
 * refuses is stored like a deleted one (its head without `d`): no get, find,
 * index or live query returns it, so typed code never sees it. It is listed
 * in the meta row META_INVALID, with the problem, until a later op (remote,
 * or a local put/update/delete that fixes it) or a schema upgrade makes it
 * valid again, or it is deleted.
 *
 * Only documents a remote batch touches are validated: the check costs one
 * validation per changed document and one meta read per batch.
 */
import type { Observable } from 'rxjs';
import type { DocState } from '../core/index.js';
import { materialize } from '../merge/index.js';
import { stripUnknown, validateFields } from '../schema/index.js';
import type { Transaction } from 'dexie';
import { knownCollection, type StoreContext } from './context.js';
import { docTableName, type DocRow, type MetaRow } from './database.js';
import { headRow, headWrite, rowHead, type HeadWrite } from './heads.js';
import { getRow, putRows, type AnyTransaction, type Mutations } from './idb.js';
import { headKey } from './head-key.js';
import { live } from './query.js';

/** A document hidden because this replica's schema forbids its value: where, and the first problem found. */
export interface InvalidDocument {
  readonly collection: string;
  readonly id: string;
  /** The field's path in the document (empty: the document itself). */
  readonly path: readonly string[];
  readonly message: string;
}

/** The meta row listing hidden documents, by headKey. */
export const META_INVALID = 'invalidDocuments';

type InvalidMap = Readonly<Record<string, InvalidDocument>>;

/** A head write whose document is validated: a forbidden one is written hidden (no `d`), with the problem. */
export interface CheckedWrite extends HeadWrite {
  readonly invalid?: InvalidDocument;
}

/** headWrite for a head merged from elsewhere (remote ops, a snapshot): its document hidden when the schema forbids it. */
export function checkedHeadWrite(ctx: StoreContext, o: { collection: string; id: string; state: DocState; inHeads: boolean }): CheckedWrite {
  return checkWrite(ctx, headWrite(ctx, o.collection, o.id, o.state, o.inHeads));
}

function checkWrite(ctx: StoreContext, w: HeadWrite): CheckedWrite {
  const def = knownCollection(ctx, w.collection);
  if (def === undefined || w.doc === undefined) return w;
  // Fields a newer schema added are left out of the view (the head keeps them), not a reason to hide.
  const doc = stripUnknown(def.fields, w.doc);
  const problem = validateFields(def.fields, doc, []);
  if (problem === undefined) return doc === w.doc ? w : { ...w, doc };
  return { ...w, doc: undefined, invalid: { collection: w.collection, id: w.id, path: problem.path, message: problem.message } };
}

/** The listing after `writes`: each written document of a known collection is listed iff it was hidden. */
function relist(ctx: StoreContext, before: InvalidMap, writes: Iterable<CheckedWrite>): InvalidMap {
  let after: Record<string, InvalidDocument> | undefined;
  for (const w of writes) {
    if (!knownCollection(ctx, w.collection)) continue;
    const key = headKey(w.collection, w.id);
    if (w.invalid === undefined && !Object.hasOwn(before, key)) continue;
    after ??= { ...before };
    if (w.invalid === undefined) delete after[key];
    else after[key] = w.invalid;
  }
  return after ?? before;
}

/** Updates the listing in a remote batch's transaction (native requests, recorded in `mutations`). */
export async function recordInvalid(ctx: StoreContext, tx: AnyTransaction, mutations: Mutations, writes: Iterable<CheckedWrite>): Promise<void> {
  const before = ((await getRow<MetaRow>(tx, 'meta', META_INVALID))?.value as InvalidMap | undefined) ?? {};
  const after = relist(ctx, before, writes);
  // Not awaited: the caller's transaction commits once it is issued (idb.ts ownTransaction).
  if (after !== before) putRows(tx, mutations, 'meta', [{ key: META_INVALID, value: after }]).catch(() => undefined);
}

/** Replaces the listing with the hidden documents among `writes` (a reset writes every document). */
export async function replaceInvalid(ctx: StoreContext, tx: Transaction, writes: Iterable<CheckedWrite>): Promise<void> {
  await tx.table('meta').put({ key: META_INVALID, value: relist(ctx, {}, writes) });
}

/**
 * After a schema upgrade (every document re-materialized, migrations run):
 * validates every document against the new schema, hides the forbidden ones
 * and lists exactly those; fields it does not know are left out of the view. Documents hidden under the old schema that the new
 * one accepts were shown again by the re-materialization.
 */
export async function recheckAll(ctx: StoreContext, tx: Transaction): Promise<void> {
  const listed: Record<string, InvalidDocument> = {};
  for (const collection of ctx.schema.collectionNames) {
    const table = tx.table(docTableName(collection));
    const def = knownCollection(ctx, collection);
    const rewritten: DocRow[] = [];
    await table.each((row: DocRow) => {
      if (row.d === undefined || def === undefined) return;
      const doc = stripUnknown(def.fields, row.d);
      const problem = validateFields(def.fields, doc, []);
      if (problem !== undefined) listed[headKey(collection, row.k)] = { collection, id: row.k, path: problem.path, message: problem.message };
      // Hidden, or shown without the fields this schema does not know; the head (decoded against the old `d`) keeps everything.
      if (problem !== undefined || doc !== row.d) rewritten.push(headRow(def, row.k, rowHead(row), problem === undefined ? doc : undefined));
    });
    if (rewritten.length > 0) await table.bulkPut(rewritten);
  }
  await tx.table('meta').put({ key: META_INVALID, value: listed });
}

/**
 * The hidden documents, live across tabs, oldest listing first. An entry is
 * shown only while its row is still hidden: a local write that fixed the
 * document (put, update) or deleted it takes it off at once, before the next
 * remote batch rewrites the listing.
 */
export function invalidDocuments(ctx: StoreContext): Observable<readonly InvalidDocument[]> {
  return live(async () => {
    const tables = ['meta', ...ctx.schema.collectionNames.map(docTableName)];
    return ctx.db.transaction('r', tables, async (tx) => {
      const listed = Object.values(((await tx.table('meta').get(META_INVALID))?.value as InvalidMap | undefined) ?? {});
      const rows = await Promise.all(listed.map((entry) => (knownCollection(ctx, entry.collection) ? (tx.table(docTableName(entry.collection)).get(entry.id) as Promise<DocRow | undefined>) : undefined)));
      return listed.filter((_, i) => {
        const row = rows[i];
        return row !== undefined && row.d === undefined && materialize(rowHead(row)) !== undefined;
      });
    });
  });
}
