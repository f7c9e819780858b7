import type { JoinReason, Sync, SyncState } from '../sync/index.js';

/** The `format` of the JSON file `downloadAtRisk` makes. */
export const AT_RISK_FORMAT = 'trellis-at-risk';

/** The sync plugin's part a join prompt uses. */
export type JoinableSync = Pick<Sync, 'state' | 'join' | 'atRisk'>;

/** What a "Join library" prompt shows, read from one sync state. */
export interface JoinPrompt {
  /** Sync waits for the user's consent to reset to the server's snapshot (phase `join-required`). */
  readonly required: boolean;
  /** Why, while `required` (late joiner, truant, library reset, fork). */
  readonly reason: JoinReason | undefined;
  /** How many local changes a join would archive (0 when not `required`). */
  readonly atRisk: number;
}

export function joinPrompt({ phase, joinRequired }: SyncState): JoinPrompt {
  const required = phase === 'join-required';
  // Outside join-required, a stale joinRequired (if any) says nothing about the next join.
  return { required, reason: required ? joinRequired?.reason : undefined, atRisk: required ? (joinRequired?.atRisk ?? 0) : 0 };
}

/** `downloadAtRisk` of every binding: `sync.atRisk()` as a JSON Blob (`{ format: 'trellis-at-risk', version: 1, replicaId, ops }`). */
export async function atRiskBlob(sync: Pick<Sync, 'atRisk'>): Promise<Blob> {
  const { replicaId, ops } = await sync.atRisk();
  return new Blob([JSON.stringify({ format: AT_RISK_FORMAT, version: 1, replicaId, ops }, null, 2)], { type: 'application/json' });
}
