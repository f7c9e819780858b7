/**
 * Who is in a library's presence, without sending anything (outbox.ts calls
 * `leavePresence` when a connection closes; presence.ts does the sending).
 */
import type { JsonObject } from '../../core/index.js';
import type { PresenceEntry } from '../../protocol/index.js';
import type { ConnectionState, LibraryPresence, Member, ServerContext } from './context.js';
import type { SavedPresence } from './types.js';

export type { LibraryPresence, Member } from './context.js';
export type { SavedPresence } from './types.js';

/** The replica state a joined connection saves, else null. */
export function savedPresence(conn: ConnectionState): SavedPresence | null {
  const member = conn.inPresence === true ? conn.ctx.presence.get(conn.library)?.members.get(conn.replicaId as string) : undefined;
  return member === undefined ? null : { state: member.state, at: member.at };
}

/** A closing connection: its replica's grace starts once it has no connection left (expirePresence ends it). */
export function leavePresence(conn: ConnectionState): void {
  if (conn.inPresence !== true) return;
  conn.inPresence = false;
  const { ctx } = conn;
  const member = ctx.presence.get(conn.library)?.members.get(conn.replicaId as string);
  if (member === undefined || !member.connections.delete(conn) || member.connections.size > 0) return;
  member.leavesAt = ctx.now() + ctx.presenceGraceMs;
}

/** When the next grace ends (by `now()`), or undefined when no replica is in one. */
export function nextPresenceExpiry(ctx: ServerContext, library?: string): number | undefined {
  let next: number | undefined;
  for (const name of library === undefined ? ctx.presence.keys() : [library]) {
    for (const member of ctx.presence.get(name)?.members.values() ?? []) {
      if (member.leavesAt !== undefined && (next === undefined || member.leavesAt < next)) next = member.leavesAt;
    }
  }
  return next;
}

export function libraryPresence(ctx: ServerContext, library: string): LibraryPresence {
  let presence = ctx.presence.get(library);
  if (presence === undefined) {
    presence = { members: new Map(), profiles: new Map(), stale: false };
    ctx.presence.set(library, presence);
  }
  return presence;
}

export function enter(presence: LibraryPresence, o: { conn: ConnectionState; replicaId: string; userId: string; state: JsonObject | null; at: number }): Member {
  let member = presence.members.get(o.replicaId);
  if (member === undefined) {
    member = { replicaId: o.replicaId, userId: o.userId, state: null, at: 0, connections: new Set(), leavesAt: undefined };
    presence.members.set(o.replicaId, member);
  }
  member.userId = o.userId;
  // The latest connection's token: every connection of one replica is its one user's (on-hello.ts).
  member.scope = o.conn.claims?.scope;
  member.state = o.state;
  member.at = o.at;
  member.leavesAt = undefined;
  member.connections.add(o.conn);
  o.conn.inPresence = true;
  return member;
}

export function entryOf(member: Member): PresenceEntry {
  return { replicaId: member.replicaId, userId: member.userId, state: member.state, at: member.at };
}
