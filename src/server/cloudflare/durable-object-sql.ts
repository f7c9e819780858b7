/**
 * A Durable Object's SQLite (`ctx.storage.sql`) as the core's SqlStorage: the
 * same statements and schema as better-sqlite3 in Node. Writes inside one
 * event are atomic and durable before any frame sent after them leaves the
 * object (the output gate), so an ack still follows its commit.
 */
import type { SqlStorage } from '../core/index.js';

export function createDurableObjectSql(storage: DurableObjectStorage): SqlStorage {
  return {
    exec: <T>(query: string, ...params: unknown[]): T[] => storage.sql.exec(query, ...params).toArray() as T[],
    transaction: (fn) => storage.transactionSync(fn),
  };
}
