/**
 * The simulation's writes at the edges: a note whose op lands just under or
 * just over MAX_OP_BYTES, and writes the API must refuse (ids with NUL, a
 * lone surrogate, empty or too long; lone surrogates in values and map
 * keys). A refusal must be a TrellisError with the documented code and must
 * record no op; an accepted bad write is a problem of the schedule.
 */
import { firstValueFrom } from 'rxjs';
import { isTrellisError } from 'trellis';
import type { Op, Store } from 'trellis';
import { MAX_NAME_LENGTH, MAX_OP_BYTES, opBytes } from 'trellis/protocol';
import { DOC_IDS, NOTE_IDS } from './schedule.js';
import type { BadApi, BadHow } from './schedule.js';
import type { simSchema } from './sim-schema.js';

type SimStore = Store<typeof simSchema.definition>;

/** Margin under MAX_OP_BYTES for a note that must fit: the real op's seq may have a few more digits than the probe's. */
const UNDER_MARGIN = 64;

/**
 * The text of a note whose op is within UNDER_MARGIN bytes under MAX_OP_BYTES,
 * or at least one byte over it. Wide text uses a 3-byte character, so a
 * count in UTF-16 code units (a third of the bytes) would misjudge it.
 */
export function bigText(replicaId: string, doc: number, over: boolean, wide: boolean): string {
  const probe: Op = { replicaId, seq: 1, ts: '0000000000000', collection: 'notes', id: NOTE_IDS[doc] as string, change: { kind: 'put', value: { id: NOTE_IDS[doc] as string, text: '' } } };
  const room = (over ? MAX_OP_BYTES + 1 : MAX_OP_BYTES - UNDER_MARGIN) - opBytes(probe);
  if (!wide) return 'b'.repeat(room);
  // Three bytes per '中'; over rounds up so the op stays over the limit.
  const count = over ? Math.ceil(room / 3) : Math.floor(room / 3);
  return '中'.repeat(count);
}

export async function applyBigWrite(store: SimStore, doc: number, over: boolean, wide: boolean): Promise<void> {
  const id = NOTE_IDS[doc] as string;
  const text = bigText(store.replicaId, doc, over, wide);
  const refusal = await store.collection('notes').put({ id, text }).then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!over) {
    // Under the limit by at most UNDER_MARGIN bytes: it must be written, and then sync like any write.
    if (refusal !== undefined) throw new EdgeProblem(`a note of ${MAX_OP_BYTES - UNDER_MARGIN} bytes or more but under MAX_OP_BYTES was refused: ${String(refusal)}`);
    return;
  }
  if (!isTrellisError(refusal, 'SCHEMA_VIOLATION')) throw new EdgeProblem(`a note over MAX_OP_BYTES was not refused with SCHEMA_VIOLATION: ${String(refusal)}`);
}

/** The invalid id for `how` (the document's own id with something wrong added, so a prefix of a valid id is tried too). */
function badId(how: BadHow, doc: number): string {
  const valid = DOC_IDS[doc] as string;
  switch (how) {
    case 'nul-id':
      return 'x\u0000evil';
    case 'nul-after-valid-id':
      return `${valid.slice(0, MAX_NAME_LENGTH - 5)}\u0000evil`;
    case 'lone-surrogate-id':
      return `${valid.slice(0, MAX_NAME_LENGTH - 1)}\ud83d`;
    case 'empty-id':
      return '';
    case 'long-id':
      return 'L'.repeat(MAX_NAME_LENGTH + 1);
    case 'lone-surrogate-value':
    case 'lone-surrogate-key':
      return valid;
  }
}

/** The codes a refusal may have: a document's own primary key is a schema violation, an id argument an invalid argument. */
function expectedCodes(how: BadHow, api: BadApi): readonly string[] {
  if (how === 'lone-surrogate-value' || how === 'lone-surrogate-key') return ['SCHEMA_VIOLATION', 'NOT_FOUND'];
  return api === 'put' ? ['SCHEMA_VIOLATION'] : ['INVALID_ARGUMENT'];
}

/** Throws EdgeProblem unless the API refuses the write; `written` counts this store's ops before and after. */
export async function applyBadWrite(store: SimStore, doc: number, how: BadHow, api: BadApi, written: () => number): Promise<void> {
  const todos = store.collection('todos');
  const id = badId(how, doc);
  const title = how === 'lone-surrogate-value' ? 'half\udc00' : 'bad';
  const labels: Record<string, string> = how === 'lone-surrogate-key' ? { ['k\ud800']: 'v' } : {};
  const before = written();
  const attempt = async (): Promise<void> => {
    switch (api) {
      case 'put':
        return todos.put({ id, title, labels, createdAt: 0 });
      case 'update':
        return todos.update(id, how === 'lone-surrogate-key' ? { labels } : { title });
      case 'delete':
        // A delete carries no value: only an invalid id can make it wrong.
        return how.endsWith('-id') ? todos.delete(id) : Promise.reject(new EdgeSkip());
      case 'get':
        return how.endsWith('-id') ? void (await firstValueFrom(todos.get(id))) : Promise.reject(new EdgeSkip());
      case 'list-push':
        // A list item carries no map key.
        return how === 'lone-surrogate-key' ? Promise.reject(new EdgeSkip()) : todos.listPush(id, 'tags', title);
    }
  };
  const refusal = await attempt().then(
    () => undefined,
    (err: unknown) => err,
  );
  if (refusal instanceof EdgeSkip) return;
  if (!isTrellisError(refusal) || !expectedCodes(how, api).includes(refusal.code)) {
    throw new EdgeProblem(`bad write (${how} via ${api}) was not refused as expected: ${String(refusal)}`);
  }
  if (written() !== before) throw new EdgeProblem(`bad write (${how} via ${api}) was refused but recorded ${written() - before} op(s)`);
}

/** A broken expectation about an edge write (reported as a schedule problem). */
export class EdgeProblem extends Error {}
class EdgeSkip extends Error {}
