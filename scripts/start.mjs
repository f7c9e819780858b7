#!/usr/bin/env node
/**
 * `npm start` (after `npm run build`): the sync server from the BUILT package
 * (`trellis/server/node` resolves to dist/, as it does for users), with its
 * SQLite file under ./data/, and the demo on Vite's dev server.
 *
 * DEV ONLY: the server runs without a secret, so it serves GET /dev/token and
 * hands out tokens to anyone. Never expose it beyond 127.0.0.1.
 *
 * Environment: TRELLIS_PORT (default 3242), TRELLIS_DEMO_PORT (default 5173),
 * TRELLIS_DATA (default ./data).
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNodeServer } from 'trellis/server/node';
import { createServer } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const dataDir = resolve(root, process.env.TRELLIS_DATA ?? 'data');
const dbPath = join(dataDir, 'trellis.sqlite');
const preferredPort = Number(process.env.TRELLIS_PORT ?? 3242);

/** Server log lines worth a human's attention; the rest (per-connection info) stays quiet. */
const log = (level, event, fields) => {
  if (level === 'warn' && event === 'server.insecure') return; // said once, below
  if (level === 'warn' || level === 'error') console.error(`[server] ${level} ${event} ${JSON.stringify(fields)}`);
};

/**
 * Demo profiles for presence. The demo's user id is the name it picked (see
 * demo/src/prefs.ts); a real app reads its user table here. The server
 * attaches the profile by the token's user, so a page cannot claim another's.
 */
const profiles = {
  get: (userId) => {
    let hash = 0;
    for (const char of userId) hash = (hash * 31 + char.codePointAt(0)) % 1009;
    return { name: userId, color: `hsl(${Math.round((hash * 137.5) % 360)} 55% 45%)` };
  },
};

async function startSyncServer() {
  mkdirSync(dataDir, { recursive: true });
  const options = { host: '127.0.0.1', dbPath, filesDir: join(dataDir, 'files'), log, profiles };
  try {
    return await createNodeServer({ port: preferredPort, ...options });
  } catch (err) {
    if (err?.code !== 'EADDRINUSE') throw err;
    console.error(`Port ${preferredPort} is busy; the sync server takes a free port instead.`);
    return createNodeServer({ port: 0, ...options });
  }
}

async function main() {
  const sync = await startSyncServer();
  process.env.TRELLIS_SERVER = `http://127.0.0.1:${sync.port}`;
  const vite = await createServer({
    configFile: join(root, 'demo/vite.config.ts'),
    server: { port: Number(process.env.TRELLIS_DEMO_PORT ?? 5173) },
    logLevel: 'warn',
  });
  await vite.listen();
  const url = vite.resolvedUrls?.local[0] ?? `http://127.0.0.1:${vite.config.server.port}/`;
  console.log(
    [
      '',
      '  Trellis demo is running.',
      '',
      `  Open        ${url}`,
      '              (open it in a second window, or a private one, for a second replica)',
      `  Sync server ${sync.url}`,
      `  Database    ${dbPath}`,
      '  DEV ONLY    no --secret: the server issues tokens to anyone at GET /dev/token.',
      '',
      '  Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await vite.close();
    await sync.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err) => {
  console.error(`npm start failed: ${err instanceof Error ? (process.env.DEBUG ? err.stack : err.message) : String(err)}`);
  process.exit(1);
});
