/**
 * How the demo reaches the server that `npm start` runs.
 *
 * DEV ONLY: tokens come from the server's `GET /dev/token`, which exists only
 * when the server runs without `--secret` and hands a token for any library to
 * anyone. A real app issues tokens from its own backend after logging the user
 * in (`createTokenProvider({ secret }).issue(...)` from 'trellis/server').
 */
export interface DemoConfig {
  /** The server's sync URL, e.g. `ws://127.0.0.1:3242/parties/trellis`. */
  readonly syncUrl: string;
}

/** Why the demo could not get a token: the server is down, or it does not issue dev tokens. */
export class TokenError extends Error {
  constructor(
    readonly kind: 'unreachable' | 'no-dev-endpoint' | 'refused',
    message: string,
  ) {
    super(message);
    this.name = 'TokenError';
  }
}

/** Served by the demo's Vite server (see demo/vite.config.ts), which knows where the sync server listens. */
export async function loadConfig(): Promise<DemoConfig> {
  const response = await fetch('/demo-config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`/demo-config.json answered ${response.status}`);
  return (await response.json()) as DemoConfig;
}

/** DEV ONLY: a token from the server's insecure dev endpoint (proxied by the demo's Vite server). */
export async function fetchDevToken(o: { library: string; user: string; role?: 'read' | 'write' }): Promise<string> {
  const query = new URLSearchParams({ library: o.library, user: o.user, role: o.role ?? 'write' });
  let response: Response;
  try {
    response = await fetch(`/dev/token?${query}`, { cache: 'no-store' });
  } catch (err) {
    throw new TokenError('unreachable', `The token request failed (${(err as Error).message}).`);
  }
  if (response.status === 404) {
    throw new TokenError('no-dev-endpoint', 'The server does not serve /dev/token: it was started with a secret. The demo needs the dev server that `npm start` runs.');
  }
  // The Vite proxy answers 5xx when nothing listens behind it.
  if (response.status >= 500) throw new TokenError('unreachable', `The token request answered ${response.status}: the sync server is not running.`);
  if (!response.ok) throw new TokenError('refused', `The dev token endpoint answered ${response.status}.`);
  const body = (await response.json()) as { token?: unknown };
  if (typeof body.token !== 'string') throw new TokenError('refused', 'The dev token endpoint answered without a token.');
  return body.token;
}
