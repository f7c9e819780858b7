/**
 * Schema versions at hello. A replica says which version of the app's schema
 * it runs (`hello.schemaVersion`, defineSchema's `version`); a server that
 * requires a newer one refuses it with SYNC_SCHEMA_OUTDATED before deciding
 * anything, so nothing of an outdated replica is stored or sent to it.
 *
 * The minimum is the higher of `minSchemaVersion` and the `breakingSince` of
 * the schema the server holds: a replica below a breaking change could write
 * what the server's schema refuses, and read documents its own schema forbids.
 */
import { ErrorCode, TrellisError } from '../../core/index.js';
import { CloseCode } from '../../protocol/index.js';
import type { HelloMessage } from '../../protocol/index.js';
import type { Refusal } from './context.js';

/** What the minimum is derived from: the server's options (`schema` is the app's defineSchema value). */
export interface SchemaVersionOptions {
  readonly minSchemaVersion?: number;
  readonly schema?: { readonly definition: { readonly breakingSince?: number } };
}

/** The oldest schema version the server serves; 0 when any replica, even one that sends no version, is served. */
export function requiredSchemaVersion(options: SchemaVersionOptions): number {
  const { minSchemaVersion } = options;
  if (minSchemaVersion !== undefined && (!Number.isSafeInteger(minSchemaVersion) || minSchemaVersion < 1)) {
    throw new TrellisError(ErrorCode.INVALID_ARGUMENT, `minSchemaVersion must be a positive integer (a schema's version), got ${String(minSchemaVersion)}.`, {
      details: { minSchemaVersion },
    });
  }
  return Math.max(minSchemaVersion ?? 0, options.schema?.definition.breakingSince ?? 0);
}

/** The first protocol version whose clients send `schemaVersion` and know the SCHEMA_OUTDATED close. */
const SCHEMA_VERSION_PROTOCOL = 5;

/**
 * The refusal of an outdated hello, or undefined. A hello without a version is
 * outdated whenever a minimum is set: the server cannot tell what it runs.
 * Clients of protocol 4 and older never send one and do not know the close
 * code 4008, which they would retry; they are closed with VERSION_MISMATCH,
 * on which they stop, and the error frame still says SYNC_SCHEMA_OUTDATED.
 */
export function checkSchemaVersion(hello: HelloMessage, required: number): Refusal | undefined {
  const version = hello.schemaVersion;
  if (required === 0 || (version !== undefined && version >= required)) return undefined;
  const runs = version === undefined ? 'does not say its schema version' : `runs schema version ${version}`;
  const error = new TrellisError(
    ErrorCode.SYNC_SCHEMA_OUTDATED,
    `This replica ${runs}; the server requires schema version ${required} or newer. Update the app: the store keeps working locally, and sync resumes once the app runs the newer schema.`,
    { details: { schemaVersion: version ?? null, required } },
  );
  return { error, close: hello.protocol < SCHEMA_VERSION_PROTOCOL ? CloseCode.VERSION_MISMATCH : CloseCode.SCHEMA_OUTDATED };
}
