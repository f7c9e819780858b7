/** The server API's refusals (server-api.ts): typed, saying what to do, thrown before anything is written. */
import { ErrorCode, TrellisError } from '../../core/index.js';
import { NAME_RULE, nameProblem, quoteName } from '../../protocol/index.js';

/** `name` as a name the wire carries (protocol/names.ts), or INVALID_ARGUMENT. */
export function assertName(name: unknown, what: string): string {
  const problem = nameProblem(name);
  if (problem === undefined) return name as string;
  const shown = typeof name === 'string' ? quoteName(name) : String(name);
  throw new TrellisError(ErrorCode.INVALID_ARGUMENT, `Server API: ${what} ${shown} ${problem}. Use ${NAME_RULE}.`, { details: { what, problem } });
}

export function notFound(collection: string, id: string): TrellisError {
  return new TrellisError(ErrorCode.NOT_FOUND, `No ${collection} document with id ${quoteName(id)}. Create it with put() first.`, { details: { collection, id } });
}

export function invalid(message: string, details: Record<string, unknown> = {}): TrellisError {
  return new TrellisError(ErrorCode.INVALID_ARGUMENT, `Server API: ${message}; nothing was written.`, { details });
}
