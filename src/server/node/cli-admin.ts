/**
 * `trellis-server inspect|evict|compact`: the admin routes (admin-api.ts)
 * from the command line, against the server that holds the database file
 * when one runs, else against the file itself.
 *
 * - `--url`, or the `<db>-server.json` a running createNodeServer writes:
 *   the request goes to that server's admin route with an admin token signed
 *   by `--secret`, so an eviction also closes the library's live sockets.
 * - No server: the file is opened directly (SQLite WAL lets a second process
 *   open it safely) and the same routes answer in this process.
 * A `<db>-server.json` whose server does not answer is trusted as stale only
 * when its process is gone; otherwise the command fails rather than write
 * under a live server's feet.
 */
import { existsSync } from 'node:fs';
import { ErrorCode, TrellisError } from '../../core/index.js';
import { DEV_SECRET, EVERY_LIBRARY, answerAdmin, createSyncServer, createTokenProvider } from '../core/index.js';
import type { AdminResponse, CompactionResult, SyncServer } from '../core/index.js';
import { readAdvert } from './admin-advert.js';
import type { AdminCliOptions } from './cli-admin-args.js';

interface AdminCall {
  readonly method: 'GET' | 'POST';
  /** Under the base path: `/_admin/…`. */
  readonly path: string;
  readonly body: string;
}

/** Runs the command; resolves with the answer (status and JSON body) from the server or the file. */
export async function runAdmin(options: AdminCliOptions): Promise<AdminResponse> {
  const call = adminCall(options);
  const url = options.url ?? (await runningServer(options.dbPath));
  if (url !== undefined) return overHttp({ url, call, secret: options.secret });
  return inFile({ options, call });
}

function adminCall(o: AdminCliOptions): AdminCall {
  const library = o.library === undefined ? undefined : `/_admin/libraries/${encodeURIComponent(o.library)}`;
  switch (o.command) {
    case 'inspect':
      return { method: 'GET', path: library as string, body: '' };
    case 'evict':
      return { method: 'POST', path: `${library}/evict`, body: o.revokeTokens ? '{"revokeTokens":true}' : '' };
    case 'compact':
      return { method: 'POST', path: library === undefined ? '/_admin/compact' : `${library}/compact`, body: '' };
  }
}

/** The URL of the server that advertised itself beside the file, when it answers (see the header). */
async function runningServer(dbPath: string): Promise<string | undefined> {
  const advert = readAdvert(dbPath);
  if (advert === undefined) return undefined;
  try {
    await fetch(`${advert.url}/health`, { signal: AbortSignal.timeout(5000) });
    return advert.url;
  } catch (err) {
    if (!isAlive(advert.pid)) return undefined;
    throw new TrellisError(ErrorCode.SERVER_INTERNAL, `A server (process ${advert.pid}) holds ${dbPath} but does not answer at ${advert.url}; pass --url where it listens, or stop it.`, { cause: err });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function overHttp(o: { url: string; call: AdminCall; secret: string | undefined }): Promise<AdminResponse> {
  // Without --secret: the development secret, as a server without one uses.
  const tokens = createTokenProvider({ secret: o.secret ?? DEV_SECRET });
  const token = await tokens.issue({ library: EVERY_LIBRARY, user: 'trellis-server-cli', role: 'admin', expiresIn: 60 });
  const response = await fetch(`${o.url}${o.call.path}`, {
    method: o.call.method,
    headers: { authorization: `Bearer ${token}`, ...(o.call.body === '' ? {} : { 'content-type': 'application/json' }) },
    ...(o.call.body === '' ? {} : { body: o.call.body }),
  }).catch((err: unknown) => {
    throw new TrellisError(ErrorCode.SYNC_UNREACHABLE, `No server answers at ${o.url}; check --url (the server's http://host:port/parties/trellis).`, { cause: err });
  });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) as unknown };
  } catch {
    throw new TrellisError(ErrorCode.SERVER_INTERNAL, `${o.url} answered ${response.status} without JSON: is it a Trellis server?`);
  }
}

async function inFile(o: { options: AdminCliOptions; call: AdminCall }): Promise<AdminResponse> {
  const { dbPath, truancyMs } = o.options;
  // Never create an empty database where the user mistyped a path.
  if (!existsSync(dbPath)) throw new TrellisError(ErrorCode.CLI_INVALID_FLAG, `No database at ${dbPath}; pass the server's file with --db.`);
  const { openDatabase, createSqliteStorage } = await import('./sqlite-storage.js');
  const db = openDatabase(dbPath);
  try {
    const server = createSyncServer({ sql: createSqliteStorage(db), now: Date.now, verifyToken: () => cliClaims, truancyMs });
    // A whole compaction here: no other frames wait in this process.
    const compact = (library?: string) => server.compact(library).map((first) => (first.more ? compactFully(server, first) : first));
    const host = { verifyToken: () => cliClaims, inspect: server.inspect, evict: server.evict, compact };
    return await answerAdmin(host, { method: o.call.method, path: o.call.path, authorization: 'Bearer cli', readBody: async () => o.call.body });
  } finally {
    db.close();
  }
}

/** The command's own claims in file mode: whoever can open the file administers it. */
const cliClaims = { library: EVERY_LIBRARY, user: 'trellis-server-cli', role: 'admin', exp: Number.MAX_SAFE_INTEGER } as const;

function compactFully(server: SyncServer, first: CompactionResult): CompactionResult {
  let total = first.squashed;
  for (;;) {
    const [result] = server.compact(first.library);
    if (result === undefined) throw new Error(`compaction of ${first.library} returned nothing`);
    total += result.squashed;
    if (!result.more) return { ...result, squashed: total };
  }
}
