/**
 * Which trouble the demo reports, in words a person can act on. Offline and
 * paused are states (the badge says so), not problems.
 */
import type { SyncState } from 'trellis/sync';
import type { TokenError } from './dev-server.js';

/**
 * What problemOf reads of the session's status (session.ts passes its
 * SessionStatus). Declared here so that this file does not import session.ts,
 * which imports it.
 */
export interface ProblemInput {
  readonly mode: 'starting' | 'standby' | 'active';
  readonly paused: boolean;
  readonly online: boolean;
  readonly syncUrl: string | undefined;
  readonly sync: SyncState;
}

export interface Problem {
  readonly kind: 'unreachable' | 'token' | 'sync';
  readonly title: string;
  readonly detail: string;
  /** The Trellis error code, when there is one. */
  readonly code?: string;
}

const AUTH_CODES = new Set(['AUTH_TOKEN_MISSING', 'AUTH_TOKEN_INVALID', 'AUTH_TOKEN_EXPIRED', 'AUTH_WRONG_LIBRARY', 'AUTH_FORBIDDEN']);

/** The one problem worth a banner, if any. */
export function problemOf(s: ProblemInput, tokenError: TokenError | undefined): Problem | undefined {
  if (s.mode !== 'active' || s.paused || !s.online) return undefined;
  const error = s.sync.error;
  if (error && AUTH_CODES.has(error.code)) {
    return {
      kind: 'token',
      title: 'The server rejected this device’s sync token',
      detail: `${error.message === error.code ? '' : `${error.message} `}The demo keeps retrying with a fresh token from the dev endpoint; your changes stay on this device.`,
      code: error.code,
    };
  }
  if (tokenError?.kind === 'no-dev-endpoint' || tokenError?.kind === 'refused') {
    return { kind: 'token', title: 'This device cannot get a sync token', detail: tokenError.message };
  }
  if (s.sync.phase === 'offline' || tokenError) {
    return {
      kind: 'unreachable',
      title: 'Can’t reach the sync server',
      detail: `${s.syncUrl ? `Nothing answers at ${s.syncUrl}.` : 'The demo server did not answer.'} Is \`npm start\` still running? Sync retries in the background; your changes are kept on this device.`,
    };
  }
  if (s.sync.phase === 'error' || error) {
    return { kind: 'sync', title: 'Sync reported an error', detail: error?.message ?? 'Sync stopped.', ...(error ? { code: error.code } : {}) };
  }
  return undefined;
}
