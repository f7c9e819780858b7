/**
 * The hello decision table, as a pure function: exactly one of accept,
 * resume or reset for every hello. Rows are checked in order:
 *
 * | # | situation                                                         | decision                 |
 * |---|-------------------------------------------------------------------|--------------------------|
 * | 1 | library has no history (new or evicted), write token              | accept                   |
 * | 1 | library has no history, read token                                | resume (nothing to send) |
 * | 2 | the cursor names another epoch of the library, or a server seq in  | reset `library-reset`    |
 * |   | a range whose ops this server dropped after losing a fork          |                          |
 * |   | (refused-ranges.ts)                                               |                          |
 * | 3 | replica unknown to the library                                    | reset `late-joiner`      |
 * | 4 | replica marked truant, or last seen longer ago than truancyMs     | reset `truant`           |
 * | 5 | cursor missing, ahead of the head, behind the horizon with other  | reset `library-reset`    |
 * |   | replicas' ops between, or the server holds own ops the replica    |                          |
 * |   | lacks (localSeq < max_seq)                                        |                          |
 * | 6 | otherwise                                                         | resume                   |
 */
import type { DecisionReason, HelloMessage } from '../../protocol/index.js';
import type { LibraryRow } from './libraries.js';
import type { ReplicaRow } from './replicas.js';
import type { Role } from './types.js';

export interface DecideInput {
  readonly library: LibraryRow;
  readonly hasHistory: boolean;
  /** The replica's row as recorded BEFORE this connection. */
  readonly replica: ReplicaRow | undefined;
  readonly hello: HelloMessage;
  readonly role: Role;
  readonly now: number;
  readonly truancyMs: number;
  /** The cursor lies in a refused range: the replica may hold ops this server dropped (a lost fork). Absent: false. */
  readonly holdsRefused?: boolean;
}

export type Verdict =
  | { readonly decision: 'accept' }
  | { readonly decision: 'resume' }
  | { readonly decision: 'reset'; readonly reason: DecisionReason; readonly markTruant: boolean };

export function decide(input: DecideInput): Verdict {
  const { library, replica, hello } = input;
  if (!input.hasHistory) return { decision: input.role === 'write' ? 'accept' : 'resume' };
  if (hello.cursor !== null && hello.cursor.epoch !== library.epoch) return reset('library-reset');
  if (input.holdsRefused === true) return reset('library-reset');
  if (replica === undefined) return reset('late-joiner');
  if (replica.status === 'truant') return reset('truant');
  if (input.now - replica.last_seen > input.truancyMs) return { decision: 'reset', reason: 'truant', markTruant: true };
  if (!cursorFits(input)) return reset('library-reset');
  return { decision: 'resume' };
}

/**
 * A resumable cursor: present, not past the head, and the replica holds all
 * its own stored ops. Behind the horizon only when nothing but the
 * replica's own ops lie between: a writer's acknowledged pushes move its
 * acked seq (replicas.ts, recordPush) but not the cursor it stores,
 * and every other replica's op up to acked_seq is at or below cursor_seq,
 * the highest cursor it sent. A cursor below cursor_seq (a restored backup)
 * may miss compacted ops of others: reset.
 */
function cursorFits({ library, replica, hello }: DecideInput): boolean {
  const cursor = hello.cursor;
  if (cursor === null) return false;
  if (cursor.serverSeq > library.head_seq) return false;
  if (cursor.serverSeq < library.horizon) {
    const onlyOwnOpsBetween = replica !== undefined && cursor.serverSeq >= replica.cursor_seq && replica.acked_seq >= library.horizon;
    if (!onlyOwnOpsBetween) return false;
  }
  return hello.localSeq >= (replica?.max_seq ?? 0);
}

function reset(reason: DecisionReason): Verdict {
  return { decision: 'reset', reason, markTruant: false };
}
