/**
 * The one storage schema, shared by every adapter (SQLite in Node and in
 * Durable Objects). Every statement elsewhere is parameterised.
 */
import type { SqlStorage } from './types.js';

const STATEMENTS = [
  `CREATE TABLE IF NOT EXISTS libraries (
    library TEXT PRIMARY KEY,
    epoch TEXT NOT NULL,
    head_seq INTEGER NOT NULL,
    horizon INTEGER NOT NULL,
    created_at INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS replicas (
    library TEXT NOT NULL,
    replica TEXT NOT NULL,
    user TEXT NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    acked_seq INTEGER NOT NULL,
    max_seq INTEGER NOT NULL,
    status TEXT NOT NULL,
    cursor_seq INTEGER NOT NULL DEFAULT 0,
    last_hash TEXT,
    PRIMARY KEY (library, replica))`,
  `CREATE TABLE IF NOT EXISTS ops (
    library TEXT NOT NULL,
    server_seq INTEGER NOT NULL,
    replica TEXT NOT NULL,
    seq INTEGER NOT NULL,
    ts TEXT NOT NULL,
    collection TEXT NOT NULL,
    id TEXT NOT NULL,
    change TEXT NOT NULL,
    PRIMARY KEY (library, server_seq),
    UNIQUE (library, replica, seq))`,
  `CREATE TABLE IF NOT EXISTS baselines (
    library TEXT NOT NULL,
    collection TEXT NOT NULL,
    id TEXT NOT NULL,
    state TEXT NOT NULL,
    replica TEXT NOT NULL,
    ts TEXT NOT NULL,
    PRIMARY KEY (library, collection, id))`,
  // Own ops the server refused (rejections.ts): the seq is used, the op is stored nowhere else.
  `CREATE TABLE IF NOT EXISTS rejections (
    library TEXT NOT NULL,
    replica TEXT NOT NULL,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    collection TEXT NOT NULL,
    id TEXT NOT NULL,
    code TEXT NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (library, replica, seq))`,
  // Peering (peer-*.ts): this server's stable id, what peers told of replicas registered elsewhere, and forks found.
  `CREATE TABLE IF NOT EXISTS server_identity (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS replica_heads (
    library TEXT NOT NULL,
    replica TEXT NOT NULL,
    user TEXT NOT NULL,
    home TEXT NOT NULL,
    first_seen INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    hash TEXT,
    PRIMARY KEY (library, replica))`,
  `CREATE TABLE IF NOT EXISTS forks (
    library TEXT NOT NULL,
    replica TEXT NOT NULL,
    seq INTEGER NOT NULL,
    kept_hash TEXT NOT NULL,
    kept_server TEXT NOT NULL,
    refused_hash TEXT NOT NULL,
    refused_server TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (library, replica, seq, refused_hash))`,
  // Server seqs [from_seq, to_seq] that held ops this server dropped after losing a fork (peer-forks.ts): a cursor in one held them.
  `CREATE TABLE IF NOT EXISTS refused_ranges (
    library TEXT NOT NULL,
    from_seq INTEGER NOT NULL,
    to_seq INTEGER NOT NULL,
    PRIMARY KEY (library, from_seq))`,
  // Failover (peer-checkpoints.ts): while replicating from a peer, its server seq against this server's, per peer epoch.
  `CREATE TABLE IF NOT EXISTS peer_checkpoints (
    library TEXT NOT NULL,
    server TEXT NOT NULL,
    epoch TEXT NOT NULL,
    peer_seq INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (library, server, epoch, peer_seq))`,
  `CREATE TABLE IF NOT EXISTS revocations (
    library TEXT PRIMARY KEY,
    before_ms INTEGER NOT NULL)`,
];

/** Create the tables if they do not exist. Idempotent. */
export function migrate(sql: SqlStorage): void {
  sql.transaction(() => {
    for (const statement of STATEMENTS) sql.exec(statement);
    // Databases from before replicas.cursor_seq: until then acked_seq was the last cursor.
    if (addColumn(sql, 'replicas', 'cursor_seq INTEGER NOT NULL DEFAULT 0')) sql.exec('UPDATE replicas SET cursor_seq = acked_seq');
    // Databases from before replicas.last_hash (protocol 4): their rows keep null, and the client trusts them as before.
    addColumn(sql, 'replicas', 'last_hash TEXT');
  });
}

/**
 * An index of the op log by document, for a server with a schema or rules: it reads a document's ops
 * (doc-cache.ts) on each cache miss, which without it scans the library's whole log (a push of new
 * documents went quadratic: 270 ops/s instead of tens of thousands). Made only there, since every
 * insert pays for it. Idempotent.
 */
export function indexDocuments(sql: SqlStorage): void {
  sql.exec('CREATE INDEX IF NOT EXISTS ops_by_document ON ops (library, collection, id, server_seq)');
}

/**
 * Adds a column unless the table has it; true when it was added. Checked with
 * PRAGMA table_info (which Durable Object SQLite allows) rather than by
 * catching the ALTER's error, so no failed statement runs inside the migration.
 * `table` and `column` are constants of this file, never input.
 */
function addColumn(sql: SqlStorage, table: string, column: string): boolean {
  const name = column.split(' ')[0] as string;
  const columns = sql.exec<{ name: string }>(`PRAGMA table_info(${table})`);
  if (columns.some((c) => c.name === name)) return false;
  sql.exec(`ALTER TABLE ${table} ADD COLUMN ${column}`);
  return true;
}
