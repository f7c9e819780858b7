/**
 * Presence under token scopes. Presence is a replica's state, not a
 * document's: the server cannot tell which documents a state points at. So a
 * replica's presence (its state, its departure, its user's profile) reaches
 * another connection only when everything the replica's token may see, the
 * other may see too: its scope lies within the other's. Tokens without a
 * scope see every replica; a replica with a scope is seen by those with the
 * same scope or a wider one, and sees only replicas of scopes within its own
 * (a user's own-documents scope sees no one else; a team's project scope
 * sees the team).
 */
import { queryWithin } from '../../protocol/index.js';
import type { Query } from '../../protocol/index.js';
import type { ConnectionState, Member } from './context.js';

const WHOLE: Query = {};

/** The scope a member's presence was made under: its connection's token's. */
export const scopeOfConnection = (conn: ConnectionState): Query => conn.claims?.scope ?? WHOLE;

export function seesMember(viewer: ConnectionState, member: Member): boolean {
  return queryWithin(member.scope ?? WHOLE, scopeOfConnection(viewer));
}
