/**
 * A real Node sync server on 127.0.0.1, port 0, with SQLite in a fresh temp
 * directory; stopped and removed when the test finishes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { onTestFinished } from 'vitest';
import { createNodeServer } from 'trellis/server/node';
import type { NodeServer, NodeServerOptions } from 'trellis/server/node';
import type { Role } from 'trellis/server';
import { openClient } from './protocol-client.js';
import type { ProtocolClient } from './protocol-client.js';

export const TEST_SECRET = 'test-secret-0123456789abcdef0123456789';

export interface LogEntry {
  readonly level: string;
  readonly event: string;
  readonly fields: Record<string, unknown>;
}

export interface TestServer {
  readonly node: NodeServer;
  readonly url: string;
  readonly dbPath: string;
  readonly logs: LogEntry[];
  token(o: { library: string; user?: string; role?: Role; expiresIn?: number | string }): Promise<string>;
  /** A raw protocol client with a fresh token (write by default). */
  connect(library: string, o?: { role?: Role; user?: string; token?: string }): Promise<ProtocolClient>;
  /** Reads the database through a second, read-only connection. */
  query<T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[];
  stop(): Promise<void>;
}

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-test-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function startTestServer(options: Partial<NodeServerOptions> = {}): Promise<TestServer> {
  const dbPath = options.dbPath ?? join(tempDir(), 'trellis.sqlite');
  const logs: LogEntry[] = [];
  const node = await createNodeServer({
    port: 0,
    secret: TEST_SECRET,
    compactIntervalMs: 0,
    log: (level, event, fields) => logs.push({ level, event, fields }),
    ...options,
    dbPath,
  });
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await node.close();
  };
  onTestFinished(stop);
  const token: TestServer['token'] = (o) =>
    node.tokens.issue({ library: o.library, user: o.user ?? 'ada', role: o.role ?? 'write', expiresIn: o.expiresIn ?? '1h' });
  return {
    node,
    url: node.url,
    dbPath,
    logs,
    token,
    connect: async (library, o = {}) =>
      openClient({ url: node.url, library, token: o.token ?? (await token({ library, role: o.role ?? 'write', ...(o.user ? { user: o.user } : {}) })) }),
    query: (sql, ...params) => {
      const db = new Database(dbPath, { readonly: true });
      try {
        return db.prepare(sql).all(...params) as never;
      } finally {
        db.close();
      }
    },
    stop,
  };
}
