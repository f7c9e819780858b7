/**
 * The content hash of an op: how two holders of the same (replicaId, seq)
 * tell whether they hold the same op without sending it (fork detection at
 * hello; between servers, too). Stable across versions and runtimes: change
 * it only with a protocol version bump.
 *
 *   opHash(op) = lowercase hex of SHA-256 over the UTF-8 bytes of
 *   canonicalJson({ replicaId, seq, ts, collection, id, change })
 *
 * canonicalJson is JSON.stringify with every object's keys sorted (by UTF-16
 * code units, as Array.prototype.sort does), recursively, no whitespace.
 * Only the six fields of an Op count: a holder's extra fields (a server seq)
 * never change the hash. Two ops hash alike exactly when `sameOp` says they
 * are the same (values are JSON, so key order is the only freedom).
 */
import type { Op } from '../core/index.js';
import { sha256Hex } from './sha256.js';

export function opHash(op: Op): string {
  const { replicaId, seq, ts, collection, id, change } = op;
  return sha256Hex(canonicalJson({ replicaId, seq, ts, collection, id, change }));
}

/** JSON with object keys sorted at every depth; undefined object members are left out, as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    // No prototype: an own `__proto__` key stays a key.
    const sorted = Object.create(null) as Record<string, unknown>;
    for (const key of Object.keys(v).sort()) sorted[key] = (v as Record<string, unknown>)[key];
    return sorted;
  });
}
