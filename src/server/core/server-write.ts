/**
 * A server API write: the changes built from the document as the server holds
 * it, stamped as the server replica's next ops, checked against the wire's op
 * schema and the server's schema, then handed to the push path (storePush:
 * the op log, the replica's seq; never the write rules, see
 * ConnectionState.trusted) and fanned out to the live replicas like a pushed
 * op. Nothing is written before the checks pass.
 */
import * as v from 'valibot';
import { ErrorCode, TS_LENGTH, TrellisError } from '../../core/index.js';
import type { Change, DocState, JsonObject, Op } from '../../core/index.js';
import { lastWrite, materialize } from '../../merge/index.js';
import { MAX_OP_BYTES, OpSchema, opBytes } from '../../protocol/index.js';
import type { ServerContext } from './context.js';
import { libraryConnections } from './context.js';
import { ensureLibrary } from './libraries.js';
import { storePush } from './push.js';
import { readReplica } from './replicas.js';
import { checkWrite } from './check-write.js';
import { SERVER_USER, caughtUp, nextServerStamp, serverConnection, serverReplicaId } from './server-replica.js';
import { readDocState } from './server-docs.js';
import type { DocKey } from './server-docs.js';
import { fanOut } from './stream.js';

export interface ServerWrite extends DocKey {
  /** The changes to record, from the document now; may throw a TrellisError to refuse (nothing written). */
  readonly build: (current: { state: DocState; doc: JsonObject | undefined }) => readonly Change[];
}

/** Writes the changes `build` returns as the server replica; returns how many ops were stored. */
export function writeAsServer(ctx: ServerContext, write: ServerWrite): number {
  const state = readDocState(ctx.sql, write);
  const changes = write.build({ state, doc: materialize(state) });
  if (changes.length === 0) return 0;
  const replicaId = serverReplicaId(ctx);
  const maxSeq = readReplica(ctx.sql, { library: write.library, replica: replicaId })?.max_seq ?? 0;
  const seen = lastWrite(state)?.stamp.slice(0, TS_LENGTH);
  const ops = changes.map((change, i): Op => {
    const ts = nextServerStamp(ctx, seen);
    return { replicaId, seq: maxSeq + 1 + i, ts, collection: write.collection, id: write.id, change };
  });
  for (const op of ops) assertWritable(op);
  assertFitsSchema(ctx, { state, ops });
  ensureLibrary(ctx.sql, { library: write.library, epoch: toldEpoch(ctx, write.library) ?? ctx.createId(), now: ctx.now() });
  const conn = serverConnection(ctx, write.library);
  const result = storePush(conn, ops);
  if ('error' in result) throw result.error;
  caughtUp(ctx, write.library, replicaId);
  fanOut(conn, result.stored);
  ctx.log('info', 'server-api.write', { library: write.library, collection: write.collection, id: write.id, stored: result.stored.length });
  // assertFitsSchema passed and rules skip trusted writes, so nothing here is rejected; kept as a guard.
  const rejected = (result as { rejected?: readonly { code: string; message: string }[] }).rejected?.[0];
  if (rejected !== undefined) {
    throw new TrellisError(rejected.code as ErrorCode, `${rejected.message} (server API write to ${write.collection} "${write.id}"; nothing was stored).`, {
      details: { collection: write.collection, id: write.id },
    });
  }
  return result.stored.length;
}

/**
 * The server's schema, checked before anything is written: a refused write consumes no seq and
 * leaves no rejection row (storePush would record one). Each op is judged on the state the
 * earlier ones leave, as judgePush does. The rules are not run (ConnectionState.trusted).
 */
function assertFitsSchema(ctx: ServerContext, o: { state: DocState; ops: readonly Op[] }): void {
  const schema = ctx.authority?.schema;
  if (schema === undefined) return;
  let state = o.state;
  for (const op of o.ops) {
    const verdict = checkWrite({ schema, rules: undefined }, { claims: SERVER_CLAIMS, op, before: state, log: ctx.log });
    if (!verdict.ok) {
      throw new TrellisError(verdict.code, `${verdict.message} (server API write to ${op.collection} "${op.id.slice(0, 64)}"; nothing was stored).`, {
        details: { collection: op.collection, id: op.id },
      });
    }
    state = verdict.state;
  }
}

/** Unread: checkWrite passes claims to rules only, and none run here. */
const SERVER_CLAIMS = { library: '', user: SERVER_USER, role: 'write', exp: Number.POSITIVE_INFINITY } as const;

/** The epoch a reader connected to a library without a row was told (on-hello.ts): a library created now adopts it. */
function toldEpoch(ctx: ServerContext, library: string): string | undefined {
  return libraryConnections(ctx, library).find((conn) => conn.unstoredEpoch !== undefined)?.unstoredEpoch;
}

/** An op the push path would accept from the wire: the op schema (names, JSON, paths) and MAX_OP_BYTES. */
function assertWritable(op: Op): void {
  const result = v.safeParse(OpSchema, op, { abortEarly: true });
  if (!result.success) {
    const issue = result.issues[0];
    const path = (issue.path ?? []).map((item) => String(item.key));
    throw new TrellisError(ErrorCode.INVALID_ARGUMENT, `${op.collection} "${op.id.slice(0, 64)}": ${issue.message} at ${path.join('.') || 'the op'}; nothing was written.`, {
      details: { collection: op.collection, id: op.id, path },
    });
  }
  const bytes = opBytes(op);
  if (bytes > MAX_OP_BYTES) {
    throw new TrellisError(ErrorCode.INVALID_ARGUMENT, `${op.collection} "${op.id.slice(0, 64)}": this write is ${bytes} bytes, more than the ${MAX_OP_BYTES} one op may have; nothing was written.`, {
      details: { collection: op.collection, id: op.id, bytes, limit: MAX_OP_BYTES },
    });
  }
}
