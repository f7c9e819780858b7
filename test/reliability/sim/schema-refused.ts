/**
 * Ops the simulated server's schema refuses whatever order it judged them in
 * (check.ts exempts them from the no-silent-loss invariant, as it does the
 * rule's rejections). Such an op is not lost silently: the server rejects it
 * with SCHEMA_VIOLATION, and the writer rolls it back and reports it
 * (sync.rejections), as for a rule's rejection.
 *
 * The case the simulation makes: a put the rule rejected, then an update of
 * the same document pushed before the put's reject came back (the writer's
 * store still showed the document). On a server that never held the
 * document, the update alone makes a partial document (no title, no
 * createdAt): the server's schema must refuse it, or it would store a
 * document no replica's schema accepts.
 */
import type { Op } from 'trellis';
import type { DocState } from '../../../src/core/index.js';
import { applyOps, emptyDocState, materialize } from '../../../src/merge/index.js';
import { validateFields } from '../../../src/schema/index.js';
import type { CollectionDef } from '../../../src/schema/index.js';
import { simSchema } from './sim-schema.js';

/**
 * True when the server never held the op's document (`reference`: its state from the seed and every op the
 * rule accepted, undefined or empty when none touched it) and the op alone leaves a document the schema refuses.
 * The server's state is the fold of exactly those (check.ts invariant 5), so the op met an empty document.
 */
export function schemaRefusesAlone(op: Op, reference: DocState | undefined): boolean {
  if (reference !== undefined && reference.entries.length > 0) return false;
  const def = (simSchema.definition.collections as Record<string, CollectionDef | undefined>)[op.collection];
  if (def === undefined) return true;
  const doc = materialize(applyOps(emptyDocState, [op]));
  // A delete (or an op leaving nothing) fits every schema: the server accepts it.
  if (doc === undefined) return false;
  return validateFields(def.fields, doc, []) !== undefined;
}
