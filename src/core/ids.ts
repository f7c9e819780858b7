import { nanoid } from 'nanoid';

/** An id generator; injectable so tests can be deterministic. */
export type IdGenerator = () => string;

/** The default: 21-character nanoid (URL-safe, ~126 bits). */
export const createId: IdGenerator = () => nanoid();

const REPLICA_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Replica IDs are URL-safe, 1 to 64 characters. */
export function isReplicaId(value: unknown): value is string {
  return typeof value === 'string' && REPLICA_ID.test(value);
}

/** File ids (files: the key of a stored file, locally and on the server) have the replica id alphabet: safe in paths and URLs. */
export function isFileId(value: unknown): value is string {
  return typeof value === 'string' && REPLICA_ID.test(value);
}
