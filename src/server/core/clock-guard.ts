/**
 * Timestamps too far ahead of the server's clock are refused. Every replica
 * adopts a remote timestamp that is ahead of its own clock (the HLC never
 * goes back), so one op stamped near the end of the timestamp range would
 * leave every replica of the library unable to stamp another write; a
 * far-future one drags every clock along. Within `maxClockAheadMs` that is
 * harmless: clocks move ahead by at most that much.
 */
import { ErrorCode, TS_LENGTH, parseTimestamp } from '../../core/index.js';
import type { Baseline, Op } from '../../core/index.js';
import type { ServerContext, Refusal } from './context.js';
import { refuse } from './outbox.js';

/** The refusal for the first op whose ts is too far ahead, if any. */
export function opsAheadRefusal(ctx: ServerContext, ops: readonly Op[]): Refusal | undefined {
  // Off by default: no need to parse every op's timestamp.
  if (ctx.limits.maxClockAheadMs === Number.POSITIVE_INFINITY) return undefined;
  const latest = ctx.now() + ctx.limits.maxClockAheadMs;
  const index = ops.findIndex((op) => parseTimestamp(op.ts).ms > latest);
  return index < 0 ? undefined : ahead(ctx, { index, ts: (ops[index] as Op).ts });
}

/** The same for a seed's baselines: their ts and every entry's stamp. */
export function baselinesAheadRefusal(ctx: ServerContext, baselines: Iterable<Baseline>): Refusal | undefined {
  const latest = ctx.now() + ctx.limits.maxClockAheadMs;
  for (const b of baselines) {
    for (const ts of [b.ts, ...b.state.entries.map((e) => e.stamp.slice(0, TS_LENGTH))]) {
      if (parseTimestamp(ts).ms > latest) return ahead(ctx, { ts, collection: b.collection, id: b.id });
    }
  }
  return undefined;
}

function ahead(ctx: ServerContext, details: Record<string, unknown>): Refusal {
  const hours = Math.round(ctx.limits.maxClockAheadMs / 3_600_000);
  return refuse(ErrorCode.SERVER_CLOCK_AHEAD, `An op is stamped more than ${hours} h ahead of the server's clock; fix this device's clock. Nothing was stored.`, {
    details: { ...details, maxAheadMs: ctx.limits.maxClockAheadMs },
  });
}
