/**
 * How `trellis-server inspect|evict|compact` finds a running server that
 * holds the same database file: createNodeServer writes `<db>-server.json`
 * beside the file (as SQLite writes `<db>-wal`) with its process id and the
 * URL of its routes, and removes it on close. A file left by a crashed server
 * names a process that no longer runs, or a URL that no longer answers.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Log } from '../core/index.js';

export interface Advert {
  readonly pid: number;
  /** `http://host:port/parties/trellis`: admin routes are under `${url}/_admin/`. */
  readonly url: string;
}

export const advertPath = (dbPath: string): string => `${dbPath}-server.json`;

/** No file for an in-memory database (better-sqlite3's ':memory:' and ''), which no other process can open. */
const isFile = (dbPath: string): boolean => dbPath !== '' && dbPath !== ':memory:';

export function advertise(o: { dbPath: string; url: string; log: Log }): { remove(): void } {
  if (!isFile(o.dbPath)) return { remove: () => {} };
  const path = advertPath(o.dbPath);
  try {
    writeFileSync(path, `${JSON.stringify({ pid: process.pid, url: o.url } satisfies Advert)}\n`);
  } catch (err) {
    // The server runs without it; the CLI then needs --url to reach it.
    o.log('warn', 'server.advert-failed', { path, message: String(err) });
    return { remove: () => {} };
  }
  return {
    // Only our own: a second server started on the same file since then wrote its own.
    remove: () => {
      if (readAdvert(o.dbPath)?.pid === process.pid) rmSync(path, { force: true });
    },
  };
}

/** The advert beside the database file, or undefined when there is none (or it is not one). */
export function readAdvert(dbPath: string): Advert | undefined {
  if (!isFile(dbPath)) return undefined;
  try {
    const value = JSON.parse(readFileSync(advertPath(dbPath), 'utf8')) as Partial<Advert>;
    return typeof value.pid === 'number' && typeof value.url === 'string' ? { pid: value.pid, url: value.url } : undefined;
  } catch {
    return undefined;
  }
}
