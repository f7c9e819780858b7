/**
 * A library's version vector as this server holds it: for every replica, its registration (user,
 * home server, when it registered) and its head (the highest seq held, with that op's hash).
 * Replicas registered here live in `replicas` (home: this server); those only peers told of live
 * in `replica_heads`, which also records what peers delivered of local ones. Of two registrations
 * (a replica registered with two servers before they peered) the earlier wins, then the lower
 * server id: both sides pick the same home.
 */
import type { PeerReplica } from '../../protocol/peer.js';
import type { SqlStorage } from './types.js';

interface HeadRow {
  readonly replica: string;
  readonly user: string;
  readonly home: string;
  readonly first_seen: number;
  readonly seq: number;
  readonly hash: string | null;
}

/** Every replica of the library this server knows, by id. */
export function readVector(sql: SqlStorage, o: { library: string; serverId: string }): Map<string, PeerReplica> {
  const vector = new Map<string, PeerReplica>();
  const local = sql.exec<{ replica: string; user: string; first_seen: number; max_seq: number; last_hash: string | null }>(
    'SELECT replica, user, first_seen, max_seq, last_hash FROM replicas WHERE library = ?',
    o.library,
  );
  for (const row of local) {
    vector.set(row.replica, { replicaId: row.replica, user: row.user, home: o.serverId, firstSeen: row.first_seen, seq: row.max_seq, hash: row.last_hash });
  }
  for (const row of sql.exec<HeadRow>('SELECT * FROM replica_heads WHERE library = ?', o.library)) {
    const told: PeerReplica = { replicaId: row.replica, user: row.user, home: row.home, firstSeen: row.first_seen, seq: row.seq, hash: row.hash };
    const held = vector.get(row.replica);
    vector.set(row.replica, held === undefined ? told : combine(held, told));
  }
  return vector;
}

/** One replica as two holders know it: the winning registration, the higher head. */
export function combine(a: PeerReplica, b: PeerReplica): PeerReplica {
  const registration = homeWins(a, b) ? a : b;
  const head = b.seq > a.seq ? b : a;
  return { ...registration, seq: head.seq, hash: head.hash };
}

/** True when a's home registration wins over b's (earlier, then lower server id). */
export function homeWins(a: Pick<PeerReplica, 'firstSeen' | 'home'>, b: Pick<PeerReplica, 'firstSeen' | 'home'>): boolean {
  if (a.firstSeen !== b.firstSeen) return a.firstSeen < b.firstSeen;
  return a.home <= b.home;
}

/** Records a registration a peer told (system data, before any op of it), keeping the winning one; heads never move back. */
export function recordRegistration(sql: SqlStorage, o: { library: string; replica: PeerReplica }): void {
  const r = o.replica;
  const [held] = sql.exec<HeadRow>('SELECT * FROM replica_heads WHERE library = ? AND replica = ?', o.library, r.replicaId);
  // A row raiseHead made for ops that came before any registration (user '') holds no registration: any real one replaces it.
  const wins = held === undefined || held.user === '' || homeWins({ firstSeen: r.firstSeen, home: r.home }, { firstSeen: held.first_seen, home: held.home });
  if (held === undefined) {
    sql.exec('INSERT INTO replica_heads (library, replica, user, home, first_seen, seq, hash) VALUES (?, ?, ?, ?, ?, 0, NULL)', o.library, r.replicaId, r.user, r.home, r.firstSeen);
  } else if (wins) {
    sql.exec('UPDATE replica_heads SET user = ?, home = ?, first_seen = ? WHERE library = ? AND replica = ?', r.user, r.home, r.firstSeen, o.library, r.replicaId);
  }
}

/**
 * The replica is held up to `seq` (an op stored in order, or what baselines covered). Moves its
 * heads row, and a local registration's max_seq too, so a push of the same seq is a duplicate.
 */
export function raiseHead(sql: SqlStorage, o: { library: string; replica: string; seq: number; hash: string | null; home: string }): void {
  sql.exec(
    `INSERT INTO replica_heads (library, replica, user, home, first_seen, seq, hash) VALUES (?, ?, '', ?, 0, ?, ?)
     ON CONFLICT (library, replica) DO UPDATE SET seq = excluded.seq, hash = excluded.hash WHERE excluded.seq > replica_heads.seq`,
    o.library,
    o.replica,
    o.home,
    o.seq,
    o.hash,
  );
  sql.exec('UPDATE replicas SET max_seq = ?, last_hash = ? WHERE library = ? AND replica = ? AND max_seq < ?', o.seq, o.hash, o.library, o.replica, o.seq);
}

/**
 * A replica this server can state as a registration on the wire: one whose ops arrived before any
 * registration (raiseHead's placeholder, user '') has none yet, and the peer would refuse the frame.
 */
export function isRegistered(replica: PeerReplica): boolean {
  return replica.user !== '' && replica.home !== '';
}

/** A replica's head, or 0 when unknown. */
export function headOf(vector: ReadonlyMap<string, PeerReplica>, replica: string): number {
  return vector.get(replica)?.seq ?? 0;
}
