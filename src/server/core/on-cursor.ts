/** cursor: the replica applied everything up to a server seq; the horizon may move. */
import { ErrorCode } from '../../core/index.js';
import type { CursorMessage } from '../../protocol/index.js';
import { compactLibrary, targetHorizon } from './compaction.js';
import type { ConnectionState, Outcome } from './context.js';
import { readLibrary } from './libraries.js';
import { refuse } from './outbox.js';
import { setAcked } from './replicas.js';

export function onCursor(conn: ConnectionState, cursor: CursorMessage): Outcome {
  const { ctx } = conn;
  const library = readLibrary(ctx.sql, conn.library);
  if (library === undefined || cursor.serverSeq > library.head_seq) {
    return refuse(ErrorCode.PROTOCOL_INVALID_MESSAGE, `The cursor is past the library head (${library?.head_seq ?? 0}).`, {
      details: { path: ['serverSeq'], head: library?.head_seq ?? 0 },
    });
  }
  setAcked(ctx.sql, { library: conn.library, replica: conn.replicaId as string, serverSeq: cursor.serverSeq });
  if (targetHorizon(ctx, conn.library, library) - library.horizon >= ctx.limits.compactEveryOps) {
    // One slice now; the adapter runs the rest after other frames (a backlog never stalls this connection's library).
    if (compactLibrary(ctx, conn.library).more) ctx.deferCompaction?.(conn.library);
  }
  return undefined;
}
