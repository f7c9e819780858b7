/**
 * The profiles both test servers supply for presence (Node: the `profiles`
 * option; Cloudflare: TestLibrary's `profiles()` override). Asynchronous, as a
 * real user store is; users named `anon…` have none.
 */
import type { ProfileSource } from '../../src/server/core/index.js';

export function testProfile(userId: string): { name: string } | null {
  return userId.startsWith('anon') ? null : { name: `Name of ${userId}` };
}

export const testProfiles: ProfileSource = { get: async (userId) => testProfile(userId) };
