/**
 * The server API across a boundary (a Durable Object's RPC, a test control):
 * a call is plain data, the answer a value or the refusal's code and message,
 * so the caller gets a TrellisError with the same code (an Error thrown across
 * RPC would lose it). `find` takes only an equality filter there: a function
 * cannot run synchronously on the other side.
 */
import { ErrorCode, TrellisError, isTrellisError } from '../../core/index.js';
import type { Json, JsonObject } from '../../core/index.js';
import type { ServerCollection, ServerLibrary } from './server-api-types.js';

export type ServerApiMethod = 'get' | 'find' | 'put' | 'update' | 'delete' | 'increment';

export interface ServerApiCall {
  readonly collection: string;
  readonly method: ServerApiMethod;
  readonly args: readonly unknown[];
}

export type ServerApiResult =
  | { readonly ok: true; readonly value: Json | null }
  | { readonly ok: false; readonly code: string; readonly message: string; readonly details: Record<string, unknown> };

/** The server API with every method async, as a Durable Object stub offers it (`remoteServerLibrary`). */
export interface RemoteServerLibrary {
  readonly name: string;
  collection<Doc extends JsonObject = JsonObject>(name: string): RemoteServerCollection<Doc>;
}

export type RemoteServerCollection<Doc extends JsonObject = JsonObject> = {
  readonly name: string;
  find(filter?: Partial<Doc>): Promise<Doc[]>;
} & { [K in Exclude<ServerApiMethod, 'find'>]: (...args: Parameters<ServerCollection<Doc>[K]>) => Promise<ReturnType<ServerCollection<Doc>[K]>> };

const METHODS: readonly ServerApiMethod[] = ['get', 'find', 'put', 'update', 'delete', 'increment'];

/** Runs one call on `library`; never throws for bad input (the refusal is the result). */
export function answerServerApi(library: ServerLibrary, call: ServerApiCall): ServerApiResult {
  try {
    if (!METHODS.includes(call.method) || !Array.isArray(call.args)) {
      throw new TrellisError(ErrorCode.INVALID_ARGUMENT, `Server API: no method ${String(call.method)}; use one of ${METHODS.join(', ')}.`);
    }
    if (call.method === 'find' && typeof call.args[0] === 'function') {
      throw new TrellisError(ErrorCode.INVALID_ARGUMENT, 'Server API: across a Durable Object, find takes an equality filter (an object of field values), not a function.');
    }
    const collection = library.collection(call.collection) as unknown as Record<ServerApiMethod, (...args: unknown[]) => unknown>;
    const value = collection[call.method](...call.args);
    return { ok: true, value: (value ?? null) as Json | null };
  } catch (err) {
    if (!isTrellisError(err)) throw err;
    return { ok: false, code: err.code, message: err.message, details: err.details };
  }
}

/** The async API over `send` (for example `(call) => stub.serverApi(call)`), rethrowing refusals as TrellisErrors. */
export function remoteServerLibrary(o: { name: string; send: (call: ServerApiCall) => Promise<ServerApiResult> }): RemoteServerLibrary {
  const call = async (collection: string, method: ServerApiMethod, args: unknown[]): Promise<never> => {
    const result = await o.send({ collection, method, args });
    if (!result.ok) throw new TrellisError(result.code as ErrorCode, result.message, { details: result.details });
    // A value that JSON or structured clone carried: `get` answers null for a missing document.
    return (method === 'get' || method === 'find' ? (result.value ?? undefined) : undefined) as never;
  };
  return {
    name: o.name,
    collection: <Doc extends JsonObject>(name: string) => {
      const methods = Object.fromEntries(METHODS.map((method) => [method, (...args: unknown[]) => call(name, method, args)]));
      return { name, ...methods } as RemoteServerCollection<Doc>;
    },
  };
}
