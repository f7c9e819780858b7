/**
 * What the demo remembers outside the store, in localStorage: the library this
 * browser syncs with, the one before it, recent codes, and a display name.
 */
const KEY = 'trellis-demo:prefs';
const NAMES = [
  'Ada', 'Alan', 'Barbara', 'Dennis', 'Donald', 'Edsger', 'Frances', 'Grace', 'Guido', 'Hedy', 'Ivan', 'John',
  'Joan', 'Ken', 'Katherine', 'Leslie', 'Linus', 'Lynn', 'Margaret', 'Niklaus', 'Radia', 'Sophie', 'Tim', 'Whitfield',
];
const CODE_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

export interface Prefs {
  /** The library code this browser syncs with. */
  readonly library: string;
  /** The library it synced with before the last switch (offered as "go back"). */
  readonly previous?: string;
  /** Recently used codes, newest first. */
  readonly recent: readonly string[];
  readonly user: string;
  /** Archives already re-applied here (the store keeps archives; this only labels them). */
  readonly reapplied: readonly string[];
  /** "Pause sync": for the whole browser, since its tabs share one store and one connection. */
  readonly paused: boolean;
}

function randomChars(alphabet: string, length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

/** A fresh, readable library code such as `k7mq-x2pa-9dfe`. */
export const newLibraryCode = () => [4, 4, 4].map((n) => randomChars(CODE_ALPHABET, n)).join('-');

/** A document id: 16 url-safe characters. */
export const newItemId = () => randomChars('0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ', 16);

/** Library codes are what the server sees in its URL: keep them short and plain. */
export function normalizeCode(input: string): string | undefined {
  const code = input.trim().toLowerCase();
  return /^[a-z0-9][a-z0-9_-]{0,63}$/.test(code) ? code : undefined;
}

export function readPrefs(): Prefs {
  let stored: Partial<Prefs> = {};
  try {
    stored = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<Prefs>;
  } catch {
    stored = {};
  }
  const prefs: Prefs = {
    library: typeof stored.library === 'string' ? stored.library : newLibraryCode(),
    ...(typeof stored.previous === 'string' ? { previous: stored.previous } : {}),
    recent: Array.isArray(stored.recent) ? stored.recent : [],
    user: typeof stored.user === 'string' ? stored.user : (NAMES[crypto.getRandomValues(new Uint8Array(1))[0]! % NAMES.length] as string),
    reapplied: Array.isArray(stored.reapplied) ? stored.reapplied : [],
    paused: stored.paused === true,
  };
  if (stored.library === undefined) writePrefs(prefs);
  return prefs;
}

export function writePrefs(prefs: Prefs): void {
  localStorage.setItem(KEY, JSON.stringify(prefs));
}

/** Switches the remembered library, keeping the old one as `previous` and in `recent`. */
export function switchedTo(prefs: Prefs, library: string): Prefs {
  const recent = [prefs.library, ...prefs.recent.filter((code) => code !== prefs.library && code !== library)].slice(0, 4);
  return { ...prefs, library, previous: prefs.library, recent, paused: false };
}

export const PREFS_KEY = KEY;
