/**
 * The simulated server's write rule: it rejects a share of ops chosen by a
 * hash of the op's own content, so the checks (check.ts) can tell from an op
 * alone whether the server refused it. Every replica must converge to the
 * documents without the rejected ops.
 */
import type { Op } from 'trellis';
import type { WriteRules } from 'trellis/server';
import { SIM_COLLECTIONS } from './sim-schema.js';

export const REJECTED_MESSAGE = 'The simulation rejects this op.';

/** True when a server rejecting `percent` of ops rejects this one (FNV-1a over the op's identity and content). */
export function rejects(op: Op, percent: number): boolean {
  if (percent <= 0) return false;
  const text = `${op.replicaId}#${op.seq}#${op.ts}#${op.collection}#${op.id}#${JSON.stringify(op.change)}`;
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % 100 < percent;
}

/**
 * A rule for every collection; undefined (no rules, so no authority at all) at 0%. `accepted` hears
 * every op the rule lets through (the server runs it once per fresh op, inside the push's transaction).
 */
export function rejectRules(percent: number, accepted: (op: Op) => void): WriteRules | undefined {
  if (percent <= 0) return undefined;
  const write = ({ op }: { op: Op }) => {
    if (rejects(op, percent)) return REJECTED_MESSAGE;
    accepted(op);
    return true;
  };
  return Object.fromEntries(SIM_COLLECTIONS.map((collection) => [collection, { write }]));
}
