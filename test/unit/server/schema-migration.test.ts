import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import { migrate } from '../../../src/server/core/index.js';
import { createSqliteStorage } from '../../../src/server/node/sqlite-storage.js';

/** The replicas table as protocol 3 servers created it. */
const V3_REPLICAS = `CREATE TABLE replicas (
  library TEXT NOT NULL, replica TEXT NOT NULL, user TEXT NOT NULL, first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL, acked_seq INTEGER NOT NULL, max_seq INTEGER NOT NULL, status TEXT NOT NULL,
  PRIMARY KEY (library, replica))`;

describe('schema migration', () => {
  test('a database from before last_hash gains the column once, keeps its rows with a null hash, and migrating again changes nothing', () => {
    const db = new Database(':memory:');
    db.exec(V3_REPLICAS);
    db.prepare("INSERT INTO replicas VALUES ('lib', 'r1', 'ada', 1, 2, 3, 4, 'active')").run();
    const sql = createSqliteStorage(db);
    migrate(sql);
    migrate(sql);
    const columns = sql.exec<{ name: string }>('PRAGMA table_info(replicas)').map((c) => c.name);
    expect(columns.filter((name) => name === 'last_hash')).toHaveLength(1);
    expect(sql.exec('SELECT max_seq, last_hash FROM replicas')).toEqual([{ max_seq: 4, last_hash: null }]);
  });

  test('a new database has last_hash from the start', () => {
    const sql = createSqliteStorage(new Database(':memory:'));
    migrate(sql);
    expect(sql.exec<{ name: string }>('PRAGMA table_info(replicas)').map((c) => c.name)).toContain('last_hash');
  });
});
