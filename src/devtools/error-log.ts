/** The panel's list of the last errors it saw, newest first: from sync's state, sync's rejections, and its own actions. */

export interface LoggedError {
  /** When the panel saw it (ms since the epoch). */
  readonly at: number;
  /** Where it came from: `sync`, `rejection`, or the panel action that failed. */
  readonly source: string;
  readonly code: string;
  readonly message: string;
}

/** How many errors the panel keeps. */
export const MAX_LOGGED_ERRORS = 20;

/**
 * The list with `entry` first. Sync keeps its last error in every state it
 * publishes until it is live again, so an entry equal to the newest one
 * (same source, code and message) is the same error seen again, not logged twice.
 */
export function logError(list: readonly LoggedError[], entry: LoggedError): readonly LoggedError[] {
  const newest = list[0];
  if (newest && newest.source === entry.source && newest.code === entry.code && newest.message === entry.message) return list;
  return [entry, ...list].slice(0, MAX_LOGGED_ERRORS);
}

/** A thrown value or an emitted rejection as code and message, whatever its shape. */
export function describeError(value: unknown): { code: string; message: string } {
  const { code, message } = (typeof value === 'object' && value !== null ? value : {}) as { code?: unknown; message?: unknown };
  return {
    code: typeof code === 'string' ? code : value instanceof Error ? value.name : 'UNKNOWN',
    message: typeof message === 'string' ? message : safeJson(value),
  };
}

/** A write the server rejected (`sync.rejections`: collection, id, code, message) as code and message naming the document. */
export function describeRejection(value: unknown): { code: string; message: string } {
  const described = describeError(value);
  const { collection, id } = (typeof value === 'object' && value !== null ? value : {}) as { collection?: unknown; id?: unknown };
  return typeof collection === 'string' && typeof id === 'string' ? { ...described, message: `${collection} / ${id}: ${described.message}` } : described;
}

/** JSON for display, never throwing (cycles, BigInt), cut at `max` characters. */
export function safeJson(value: unknown, max = 2000): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
