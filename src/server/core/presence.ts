/**
 * The libraries' presence, in memory only (never SQLite): which replicas are
 * connected, whose they are (the token's user) and their latest state. A
 * connection joins with its first `presence` message and gets a snapshot of
 * the others; each change after is fanned out to the library's other joined
 * connections. When a replica's last connection closes it stays for a grace
 * (a quick reconnect keeps it), then `expirePresence` removes it.
 *
 * Hibernation (Cloudflare): each connection saves its replica's state in its
 * socket attachment and `restorePresence` puts it back; a replica that was in
 * its grace when the object slept is forgotten, so the library is marked
 * stale and the next `expirePresence` sends every joined connection a full
 * snapshot instead of a delta.
 */
import { deepEqual } from '../../core/index.js';
import type { JsonObject } from '../../core/index.js';
import { cutFrames, encodeMessage, frameBytes, jsonBytes } from '../../protocol/index.js';
import type { PresenceEntry, PresenceUpdateMessage } from '../../protocol/index.js';
import type { ConnectionState, ServerContext } from './context.js';
import { closeIfExpired, sendFrame } from './outbox.js';
import { enter, entryOf, libraryPresence } from './presence-members.js';
import type { Member } from './presence-members.js';
import { seesMember } from './presence-scope.js';
import type { LibraryPresence, SavedPresence } from './presence-members.js';
import type { Profile } from './profiles.js';

/** A valid presence message from a live connection: join (first one) or update. */
export function updatePresence(conn: ConnectionState, state: JsonObject | null): void {
  const { ctx } = conn;
  const presence = libraryPresence(ctx, conn.library);
  const replicaId = conn.replicaId as string;
  const userId = (conn.claims as { user: string }).user;
  const joining = conn.inPresence !== true;
  const member = enter(presence, { conn, replicaId, userId, state, at: ctx.now() });
  const update: PresenceUpdateMessage = { type: 'presence', replicas: [entryOf(member)] };
  if (joining && learnProfile(ctx, { library: conn.library, userId })) {
    update.profiles = { [userId]: presence.profiles.get(userId) ?? null };
  }
  broadcast(ctx, { library: conn.library, message: update, except: replicaId, about: [member] });
  if (joining) sendSnapshot(conn, presence);
}

/** A connection restored after hibernation, with what it saved: back in, silently. */
export function restorePresence(conn: ConnectionState, saved: SavedPresence): void {
  const presence = libraryPresence(conn.ctx, conn.library);
  const userId = (conn.claims as { user: string }).user;
  enter(presence, { conn, replicaId: conn.replicaId as string, userId, state: saved.state, at: saved.at });
  presence.stale = true;
  learnProfile(conn.ctx, { library: conn.library, userId, quiet: true });
}

/** Removes replicas whose grace has ended and tells the others (a stale library gets full snapshots). */
export function expirePresence(ctx: ServerContext, library?: string): void {
  for (const name of library === undefined ? [...ctx.presence.keys()] : [library]) {
    const presence = ctx.presence.get(name);
    if (presence === undefined) continue;
    const leaving: Member[] = [];
    for (const member of presence.members.values()) {
      if (member.leavesAt !== undefined && member.leavesAt <= ctx.now()) leaving.push(member);
    }
    const left = leaving.map((member) => member.replicaId);
    for (const replicaId of left) presence.members.delete(replicaId);
    const users = new Set([...presence.members.values()].map((m) => m.userId));
    for (const userId of presence.profiles.keys()) if (!users.has(userId)) presence.profiles.delete(userId);
    if (presence.stale) {
      presence.stale = false;
      for (const conn of joined(ctx, name)) sendSnapshot(conn, presence);
    } else if (left.length > 0) {
      broadcast(ctx, { library: name, message: { type: 'presence', left }, about: leaving });
    }
    if (presence.members.size === 0) ctx.presence.delete(name);
  }
}

/**
 * Looks the user's profile up (cached by the source). True when the library's
 * copy changed right away; a lookup that resolves later sends its own
 * `profiles` update, unless `quiet` (a restore: the clients have it).
 */
function learnProfile(ctx: ServerContext, o: { library: string; userId: string; quiet?: boolean }): boolean {
  if (ctx.profiles === undefined) return false;
  const found = ctx.profiles.lookup(o.userId);
  if (!(found instanceof Promise)) return setProfile(ctx, { ...o, profile: found, quiet: true });
  found
    .then((profile) => setProfile(ctx, { ...o, profile, quiet: o.quiet === true }))
    .catch((err: unknown) => ctx.log('error', 'presence.profile-failed', { library: o.library, userId: o.userId, message: String(err) }));
  return false;
}

function setProfile(ctx: ServerContext, o: { library: string; userId: string; profile: Profile | null; quiet: boolean }): boolean {
  const presence = ctx.presence.get(o.library);
  const present = [...(presence?.members.values() ?? [])].some((m) => m.userId === o.userId);
  if (presence === undefined || !present) return false;
  if (presence.profiles.has(o.userId) && deepEqual(presence.profiles.get(o.userId), o.profile)) return false;
  presence.profiles.set(o.userId, o.profile);
  const about = [...(presence.members.values() ?? [])].filter((m) => m.userId === o.userId);
  if (!o.quiet) broadcast(ctx, { library: o.library, message: { type: 'presence', profiles: { [o.userId]: o.profile } }, about });
  return true;
}

/** A presence snapshot frame besides its entries and profiles (cut by the protocol's cutFrames). */
const PRESENCE_ENVELOPE_BYTES = frameBytes({ type: 'presence', replace: true, replicas: [], profiles: {} });

/** An entry, and its user's profile as `"userId":profile,` when it carries one. */
const presenceItemBytes = (item: { entry: PresenceEntry; profile?: Profile | null }) =>
  jsonBytes(item.entry) + (item.profile === undefined ? 0 : jsonBytes(item.entry.userId) + jsonBytes(item.profile) + 2);

/** Every other replica of the library, with their users' profiles, in frames under the chunk budget; the first replaces. */
function sendSnapshot(conn: ConnectionState, presence: LibraryPresence): void {
  const seen = new Set<string>();
  const items: { entry: PresenceEntry; profile?: Profile | null }[] = [];
  for (const member of presence.members.values()) {
    if (member.replicaId === conn.replicaId || !seesMember(conn, member)) continue;
    const first = !seen.has(member.userId) && presence.profiles.has(member.userId);
    seen.add(member.userId);
    items.push(first ? { entry: entryOf(member), profile: presence.profiles.get(member.userId) ?? null } : { entry: entryOf(member) });
  }
  let replace = true;
  const cut = cutFrames(items, { envelopeBytes: PRESENCE_ENVELOPE_BYTES, budgetBytes: conn.ctx.limits.chunkBytes, sizeOf: presenceItemBytes });
  for (const chunk of items.length === 0 ? [[]] : cut) {
    const message: PresenceUpdateMessage = { type: 'presence', ...(replace ? { replace } : {}), replicas: chunk.map((item) => item.entry) };
    const profiles = chunk.filter((item) => item.profile !== undefined).map((item) => [item.entry.userId, item.profile ?? null]);
    if (profiles.length > 0) message.profiles = Object.fromEntries(profiles);
    sendFrame(conn, encodeMessage(message));
    replace = false;
  }
}

/**
 * One frame to every joined live connection of the library, except the replica it is about, and except those
 * that see none of the members it is `about` (presence-scope.ts); a `left` lists only the replicas each sees.
 */
function broadcast(ctx: ServerContext, o: { library: string; message: PresenceUpdateMessage; except?: string; about: readonly Member[] }): void {
  let frame: string | undefined;
  const scoped = o.about.some((member) => member.scope !== undefined);
  for (const conn of joined(ctx, o.library)) {
    // As with ops, an expired token receives nothing more.
    if (conn.replicaId === o.except) continue;
    if (!scoped) {
      if (!closeIfExpired(conn)) sendFrame(conn, (frame ??= encodeMessage(o.message)));
      continue;
    }
    const seen = o.about.filter((member) => seesMember(conn, member));
    if (seen.length === 0 || closeIfExpired(conn)) continue;
    const message = o.message.left === undefined ? o.message : { ...o.message, left: seen.map((member) => member.replicaId) };
    sendFrame(conn, encodeMessage(message));
  }
}

function joined(ctx: ServerContext, library: string): ConnectionState[] {
  return [...(ctx.connections.get(library) ?? [])].filter((conn) => conn.inPresence === true && conn.phase === 'live');
}
