/** better-sqlite3 as the core's SqlStorage. */
import Database from 'better-sqlite3';
import type { SqlStorage } from '../core/index.js';

export type Durability = 'normal' | 'full';

/**
 * Opens (or creates) the database in WAL mode. `normal` (synchronous=NORMAL)
 * survives a crash of the process: every committed, acked op is on disk once
 * the OS has it. `full` (synchronous=FULL) also survives power loss, at the
 * cost of an fsync per commit.
 */
export function openDatabase(path: string, durability: Durability = 'normal'): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(durability === 'full' ? 'synchronous = FULL' : 'synchronous = NORMAL');
  return db;
}

/** Wraps a better-sqlite3 database; statements are prepared once and cached. */
export function createSqliteStorage(db: Database.Database): SqlStorage {
  const statements = new Map<string, Database.Statement<unknown[]>>();
  const prepare = (sql: string): Database.Statement<unknown[]> => {
    let statement = statements.get(sql);
    if (statement === undefined) {
      statement = db.prepare<unknown[]>(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
  // One transaction function for every call: db.transaction() builds a new wrapper (and its
  // deferred/immediate/exclusive variants) each time it is called, once per push otherwise.
  const transaction = db.transaction((fn: () => unknown) => fn());
  return {
    exec<T>(sql: string, ...params: unknown[]): T[] {
      const statement = prepare(sql);
      if (statement.reader) return statement.all(...params) as T[];
      statement.run(...params);
      return [];
    },
    transaction: <T>(fn: () => T): T => transaction(fn) as T,
  };
}
