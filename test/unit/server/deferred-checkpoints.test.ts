import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, test } from 'vitest';
import { CHECKPOINT_PAGES, deferCheckpoints } from '../../../src/server/node/deferred-checkpoints.js';
import { openDatabase } from '../../../src/server/node/sqlite-storage.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function fileDatabase(): Database.Database {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-checkpoints-'));
  dirs.push(dir);
  return openDatabase(join(dir, 'db.sqlite'));
}

/** WAL pages written and not yet copied into the database. */
const walPages = (db: Database.Database) => {
  const { log, checkpointed } = db.prepare('PRAGMA wal_checkpoint(NOOP)').get() as { log: number; checkpointed: number };
  return log - checkpointed;
};

/** One commit per row, each at least a page of WAL. */
function commit(db: Database.Database, commits: number): void {
  const insert = db.prepare('INSERT INTO t (b) VALUES (?)');
  for (let i = 0; i < commits; i++) insert.run('x'.repeat(100));
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('deferred WAL checkpoints', () => {
  test('commits do not checkpoint up to twice CHECKPOINT_PAGES; afterFrame checkpoints in a later turn once the WAL holds CHECKPOINT_PAGES', async () => {
    const db = fileDatabase();
    db.exec('CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT)');
    const checkpoints = deferCheckpoints(db, { log: () => {} });
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(2 * CHECKPOINT_PAGES);
    commit(db, CHECKPOINT_PAGES + 10);
    expect(walPages(db)).toBeGreaterThanOrEqual(CHECKPOINT_PAGES);
    checkpoints.afterFrame();
    checkpoints.afterFrame();
    expect(walPages(db)).toBeGreaterThanOrEqual(CHECKPOINT_PAGES);
    await turn();
    expect(walPages(db)).toBe(0);
    checkpoints.stop();
    db.close();
  });

  test('a short WAL is left alone, and stop drops a pending check', async () => {
    const db = fileDatabase();
    db.exec('CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT)');
    const checkpoints = deferCheckpoints(db, { log: () => {} });
    commit(db, 10);
    const before = walPages(db);
    checkpoints.afterFrame();
    await turn();
    expect(walPages(db)).toBe(before);
    commit(db, CHECKPOINT_PAGES);
    checkpoints.afterFrame();
    checkpoints.stop();
    await turn();
    expect(walPages(db)).toBeGreaterThanOrEqual(CHECKPOINT_PAGES);
    db.close();
  });

  test('a database not in WAL mode keeps its settings and afterFrame does nothing', async () => {
    const db = new Database(':memory:');
    const before = db.pragma('wal_autocheckpoint', { simple: true });
    const checkpoints = deferCheckpoints(db, { log: () => {} });
    checkpoints.afterFrame();
    await turn();
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(before);
    db.close();
  });
});
