/**
 * Ops the simulated server's schema refuses (check.ts exempts them from the
 * no-silent-loss invariant, as it does the rule's rejections). Such an op is
 * not lost silently: the server rejects it with SCHEMA_VIOLATION, and the
 * writer rolls it back and reports it (sync.rejections), as for a rule's
 * rejection.
 *
 * The case the simulation makes: a put the rule rejected, then an update of
 * the same document pushed before the put's reject came back (the writer's
 * store still showed the document). On a server that does not hold the
 * document then, the update alone makes a partial document (no title, no
 * createdAt): the server's schema must refuse it, or it would store a
 * document no replica's schema accepts. Another replica's put may reach the
 * server later (seed 1565735489 path 262: none ever does; seed -179567455
 * path 185: a seed right after), so the server's final state does not tell.
 */
import type { Op } from 'trellis';
import type { DocState } from '../../../src/core/index.js';
import { applyOps, emptyDocState, materialize } from '../../../src/merge/index.js';
import { validateFields } from '../../../src/schema/index.js';
import type { CollectionDef } from '../../../src/schema/index.js';
import { simSchema } from './sim-schema.js';
import { rejects } from './reject-rule.js';

export interface SchemaContext {
  /** The document's state from the seed and every op the rule accepted; undefined when none touched it. */
  readonly reference: DocState | undefined;
  /** Every op any store committed. */
  readonly written: Iterable<Op>;
  /** The rule's rejection share (reject-rule.ts). */
  readonly percent: number;
}

/**
 * True when the op alone leaves a document the schema refuses, and the server held no document when it
 * judged the op: it never held one (`reference` empty; the server's state is the fold of exactly those
 * ops, check.ts invariant 5), or the op follows its own replica's put of the document that the rule
 * rejected (the server judges a push's ops in seq order, and a document only another replica created
 * would have made the op valid, so accepted and present: exempting it changes nothing).
 */
export function schemaRefuses(op: Op, o: SchemaContext): boolean {
  if (!invalidAlone(op)) return false;
  if (o.reference === undefined || o.reference.entries.length === 0) return true;
  for (const put of o.written) {
    const same = put.replicaId === op.replicaId && put.seq < op.seq && put.collection === op.collection && put.id === op.id;
    if (same && put.change.kind === 'put' && rejects(put, o.percent)) return true;
  }
  return false;
}

/** The op applied to an empty document breaks the schema (a delete, leaving nothing, never does). */
function invalidAlone(op: Op): boolean {
  const def = (simSchema.definition.collections as Record<string, CollectionDef | undefined>)[op.collection];
  if (def === undefined) return true;
  const doc = materialize(applyOps(emptyDocState, [op]));
  return doc !== undefined && validateFields(def.fields, doc, []) !== undefined;
}
