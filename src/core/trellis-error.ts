/**
 * TrellisError, the one error class, and the ErrorCode namespace over the
 * table of codes in errors.ts.
 */
import * as codes from './errors.js';

/** Every error code (errors.ts), as a namespace: `ErrorCode.NOT_FOUND`. */
export { codes as ErrorCode };
export type ErrorCode = (typeof codes)[keyof typeof codes];

export interface TrellisErrorOptions {
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** The one error class of Trellis. Check it with `isTrellisError(err, code)`. */
export class TrellisError extends Error {
  override readonly name = 'TrellisError';
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: TrellisErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }

  toJSON(): { code: ErrorCode; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/**
 * True when `err` is a TrellisError (by name and code, so two loaded copies of
 * Trellis still agree), optionally with the given code.
 */
export function isTrellisError(err: unknown, code?: ErrorCode): err is TrellisError {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { name?: unknown; code?: unknown };
  if (e.name !== 'TrellisError' || typeof e.code !== 'string') return false;
  return code === undefined || e.code === code;
}

/** Wrap a foreign error (DOMException, SQLite, ws) where it enters our code. */
export function wrapError(err: unknown, code: ErrorCode, message: string): TrellisError {
  if (isTrellisError(err)) return err;
  return new TrellisError(code, `${message}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}
