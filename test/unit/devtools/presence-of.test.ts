/** The devtools panel reads `sync.presence` defensively: it exists only with the presence plugin. */
import { BehaviorSubject, of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { presenceOf } from '../../../src/devtools/sections/presence-section.js';

const state = of({ phase: 'live' as const, pending: 0 });

describe('devtools presence', () => {
  it("finds the presence plugin's presence", () => {
    const presence = { self: { viewing: 'list' }, peers$: new BehaviorSubject([]), set: () => undefined };
    expect(presenceOf({ state, presence })).toBe(presence);
  });

  it('treats anything else as no presence, without throwing', () => {
    expect(presenceOf(undefined)).toBeUndefined();
    expect(presenceOf({ state })).toBeUndefined();
    expect(presenceOf({ state, presence: null })).toBeUndefined();
    expect(presenceOf({ state, presence: { peers$: [] } })).toBeUndefined();
    const throwing = {
      state,
      get presence(): unknown {
        throw new Error('install the presence plugin');
      },
    };
    expect(presenceOf(throwing)).toBeUndefined();
  });
});
