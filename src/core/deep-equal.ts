import type { Op } from './types.js';

/** Structural equality of JSON values (key order ignored). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((item, i) => deepEqual(item, other[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const rb = b as Record<string, unknown>;
  return ka.every((k) => Object.hasOwn(rb, k) && deepEqual((a as Record<string, unknown>)[k], rb[k]));
}

/** Two ops with the same (replicaId, seq) must be identical; otherwise the replica forked. */
export function sameOp(a: Op, b: Op): boolean {
  return (
    a.replicaId === b.replicaId &&
    a.seq === b.seq &&
    a.ts === b.ts &&
    a.collection === b.collection &&
    a.id === b.id &&
    deepEqual(a.change, b.change)
  );
}
