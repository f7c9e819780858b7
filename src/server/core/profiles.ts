/**
 * Read-only user profiles (name, avatar, …) for presence, from the app's
 * `profiles` source, keyed by the token's user id so a client cannot forge
 * them. Cached with a TTL and a bounded size; concurrent lookups of one user
 * share one call. A source that fails or returns something that is not a
 * small JSON object yields null (logged), never an error to a client.
 */
import { MAX_PROFILE_BYTES, isBoundedJsonObject, utf8Length } from '../../protocol/index.js';
import type { Log, Profile, ProfileSource } from './types.js';

export type { Profile, ProfileSource } from './types.js';

export interface ProfileCache {
  /** The profile now when cached (null: none), else a promise of it. */
  lookup(userId: string): Profile | null | Promise<Profile | null>;
}

interface Cached {
  readonly value: Profile | null | Promise<Profile | null>;
  readonly until: number;
}

export function createProfileCache(source: ProfileSource, o: { now: () => number; log: Log }): ProfileCache {
  const ttlMs = source.ttlMs ?? 60_000;
  const maxEntries = Math.max(1, source.maxEntries ?? 1000);
  const cache = new Map<string, Cached>();
  const remember = (userId: string, value: Cached['value']): void => {
    cache.delete(userId);
    cache.set(userId, { value, until: o.now() + ttlMs });
    if (cache.size > maxEntries) cache.delete(cache.keys().next().value as string);
  };
  const checked = (userId: string, value: unknown): Profile | null => {
    if (value === null || value === undefined) return null;
    if (isBoundedJsonObject(value) && utf8Length(JSON.stringify(value)) <= MAX_PROFILE_BYTES) return value;
    o.log('warn', 'presence.profile-invalid', { userId, limit: MAX_PROFILE_BYTES });
    return null;
  };
  const failed = (userId: string, err: unknown): null => {
    // Not cached: the next connection of this user asks again.
    if (cache.get(userId)?.value instanceof Promise) cache.delete(userId);
    o.log('warn', 'presence.profile-failed', { userId, message: String(err) });
    return null;
  };
  return {
    lookup(userId) {
      const hit = cache.get(userId);
      if (hit !== undefined && hit.until > o.now()) return hit.value;
      let value: ReturnType<ProfileSource['get']>;
      try {
        value = source.get(userId);
      } catch (err) {
        return failed(userId, err);
      }
      if (!isPromiseLike(value)) {
        const profile = checked(userId, value);
        remember(userId, profile);
        return profile;
      }
      const pending = Promise.resolve(value).then(
        (resolved) => {
          const profile = checked(userId, resolved);
          if (cache.get(userId)?.value === pending) remember(userId, profile);
          return profile;
        },
        (err: unknown) => failed(userId, err),
      );
      remember(userId, pending);
      return pending;
    },
  };
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
