/**
 * What the Worker and every library's object read from their environment:
 * the token secret (a Worker secret) and plain variables. Durations are
 * written as the CLI takes them (`30d`, `60s`, `0` turns a timer off).
 */
import { ErrorCode, TrellisError } from '../../core/index.js';
import { DEV_SECRET, parseDuration } from '../core/index.js';

export interface TrellisVars {
  /** The HMAC secret of tokens: `npx wrangler secret put TRELLIS_SECRET`. */
  readonly TRELLIS_SECRET?: string;
  /** `insecure`: without a secret, sign with the public DEV_SECRET and serve GET /dev/token. Local development only. */
  readonly TRELLIS_DEV_MODE?: string;
  /** Replicas away longer than this must reset. Default 30d. */
  readonly TRELLIS_TRUANCY?: string;
  /** How long after a change a library's alarm compacts it. Default 60s; 0 turns the alarm off. */
  readonly TRELLIS_COMPACT_INTERVAL?: string;
  /** How long a disconnected replica stays in presence. Default 5s. */
  readonly TRELLIS_PRESENCE_GRACE?: string;
  /** Replicas whose schema version is below this are refused with SYNC_SCHEMA_OUTDATED. Default none. */
  readonly TRELLIS_MIN_SCHEMA_VERSION?: string;
  /** files: the R2 bucket holding the bytes of file fields; without it, uploads are refused (404). */
  readonly TRELLIS_FILES?: R2Bucket;
  /** files: largest file accepted, in bytes. Default 25 MiB. */
  readonly TRELLIS_MAX_FILE_SIZE?: string;
  /** files: how long a file stays unreferenced before it is deleted. Default 1d. */
  readonly TRELLIS_FILE_GRACE?: string;
}

export interface Settings {
  readonly secret: string;
  /** No secret was set and TRELLIS_DEV_MODE is `insecure`. */
  readonly devMode: boolean;
  readonly truancyMs: number;
  readonly compactIntervalMs: number;
  readonly presenceGraceMs: number;
  readonly minSchemaVersion?: number;
}

/** Throws INVALID_ARGUMENT when there is no secret outside dev mode, or a duration does not parse. */
export function readSettings(vars: TrellisVars): Settings {
  const devMode = (vars.TRELLIS_SECRET ?? '') === '' && vars.TRELLIS_DEV_MODE === 'insecure';
  const secret = devMode ? DEV_SECRET : (vars.TRELLIS_SECRET ?? '');
  if (secret === '') {
    throw new TrellisError(ErrorCode.INVALID_ARGUMENT, 'TRELLIS_SECRET is not set: run `npx wrangler secret put TRELLIS_SECRET` (or set TRELLIS_DEV_MODE=insecure for local development).');
  }
  return {
    secret,
    devMode,
    truancyMs: parseDuration(vars.TRELLIS_TRUANCY ?? '30d') * 1000,
    compactIntervalMs: parseDuration(vars.TRELLIS_COMPACT_INTERVAL ?? '60s') * 1000,
    presenceGraceMs: parseDuration(vars.TRELLIS_PRESENCE_GRACE ?? '5s') * 1000,
    ...minSchemaVersion(vars.TRELLIS_MIN_SCHEMA_VERSION),
  };
}

function minSchemaVersion(value: string | undefined): { minSchemaVersion?: number } {
  if (value === undefined || value === '') return {};
  const version = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new TrellisError(ErrorCode.INVALID_ARGUMENT, `TRELLIS_MIN_SCHEMA_VERSION must be a positive integer (a schema's version), got "${value}".`);
  }
  return { minSchemaVersion: version };
}
