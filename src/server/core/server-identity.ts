/**
 * This server's stable id: made once per database and kept in it, so a restart (or a copy of the
 * file) is the same server to its peers. Peers name a replica's home server by it.
 */
import { createId } from '../../core/index.js';
import type { SqlStorage } from './types.js';

export function readServerId(sql: SqlStorage): string {
  const [row] = sql.exec<{ value: string }>("SELECT value FROM server_identity WHERE key = 'server_id'");
  if (row !== undefined) return row.value;
  sql.exec("INSERT OR IGNORE INTO server_identity (key, value) VALUES ('server_id', ?)", createId());
  return (sql.exec<{ value: string }>("SELECT value FROM server_identity WHERE key = 'server_id'")[0] as { value: string }).value;
}
