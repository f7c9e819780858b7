/**
 * The authoritative server's check of one pushed op: apply it to the
 * document the server holds (the pure merge, as every replica does), validate
 * the result against the app's schema, then run the collection's write rule.
 * Pure: no storage, no clock; a rule that throws is a rejection, never a crash.
 */
import { ErrorCode } from '../../core/index.js';
import type { DocState, JsonObject, Op } from '../../core/index.js';
import { applyOps } from '../../merge/index.js';
import { documentAfter } from './document-after.js';
import { MAX_REJECTION_MESSAGE_LENGTH } from '../../protocol/index.js';
import { validateFields } from '../../schema/index.js';
import type { CollectionDef, Schema } from '../../schema/index.js';
import type { Claims, Log, WriteRules } from './types.js';

export interface Authority {
  readonly schema: Schema | undefined;
  readonly rules: WriteRules | undefined;
}

export type WriteVerdict =
  | { readonly ok: true; readonly state: DocState }
  | { readonly ok: false; readonly code: typeof ErrorCode.SCHEMA_VIOLATION | typeof ErrorCode.RULE_REJECTED; readonly message: string };

/** Said when a rule throws or returns something other than `true` or a message: the writer learns no internals. */
export const GENERIC_RULE_MESSAGE = 'A server rule refused this write.';

export function checkWrite(authority: Authority, o: { claims: Claims; op: Op; before: DocState; log: Log }): WriteVerdict {
  const { op, before } = o;
  const state = applyOps(before, [op]);
  const after = documentAfter(state);
  const problem = schemaProblem(authority.schema, op.collection, after);
  if (problem !== undefined) return { ok: false, code: ErrorCode.SCHEMA_VIOLATION, message: problem };
  const rule = authority.rules?.[op.collection]?.write;
  if (rule === undefined) return { ok: true, state };
  let said: unknown;
  try {
    said = rule({ claims: o.claims, collection: op.collection, id: op.id, before: before.entries.length === 0 ? undefined : documentAfter(before), after, op });
  } catch (err) {
    o.log('error', 'rule.threw', { collection: op.collection, id: op.id, replicaId: op.replicaId, seq: op.seq, message: String((err as Error)?.message ?? err) });
    return { ok: false, code: ErrorCode.RULE_REJECTED, message: GENERIC_RULE_MESSAGE };
  }
  if (said === true) return { ok: true, state };
  const message = typeof said === 'string' && said.length > 0 ? said.slice(0, MAX_REJECTION_MESSAGE_LENGTH) : GENERIC_RULE_MESSAGE;
  return { ok: false, code: ErrorCode.RULE_REJECTED, message };
}

/** Why the document the op leaves breaks the schema; undefined when it fits (a deleted document always does). */
function schemaProblem(schema: Schema | undefined, collection: string, after: JsonObject | undefined): string | undefined {
  if (schema === undefined) return undefined;
  const def = (schema.definition.collections as Record<string, CollectionDef | undefined>)[collection];
  if (!Object.hasOwn(schema.definition.collections, collection) || def === undefined) {
    return `Collection "${collection}" is not in the server's schema.`;
  }
  if (after === undefined) return undefined;
  const violation = validateFields(def.fields, after, []);
  if (violation === undefined) return undefined;
  return `Invalid ${collection} document: ${violation.message}. The server's schema refused this write.`;
}
