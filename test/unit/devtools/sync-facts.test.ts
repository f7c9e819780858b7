/** What the devtools panel says of the cursor, horizon and truancy, from the store's meta rows and the sync state. */
import { describe, expect, it } from 'vitest';
import { LIBRARY_KEY, cursorKeyOf } from '../../../src/sync/engine/session.js';
import { LIBRARY_META_KEY, cursorMetaKey, syncFacts, truancyOf } from '../../../src/devtools/sync-facts.js';

const replica = (meta: Record<string, unknown>, horizon?: number) => ({ replicaId: 'r1', seq: 5, ackedSeq: 3, horizon, meta });

describe('devtools sync facts', () => {
  it("reads the sync engine's own meta keys (a rename in the engine fails here)", () => {
    expect(LIBRARY_META_KEY).toBe(LIBRARY_KEY);
    expect(cursorMetaKey('lib-1')).toBe(cursorKeyOf('lib-1'));
  });

  it("shows the recorded library's cursor, the horizon and the own seqs", () => {
    const facts = syncFacts({ replica: replica({ syncLibrary: 'lib-1', 'sync:lib-1': { epoch: 'e1', serverSeq: 42 }, 'sync:other': { epoch: 'e2', serverSeq: 7 } }, 40) });
    expect(facts).toMatchObject({ library: 'lib-1', cursor: { epoch: 'e1', serverSeq: 42 }, horizon: 40, ownSeq: 5, ackedSeq: 3 });
  });

  it('shows no cursor for a store that never synced, or a malformed meta row', () => {
    expect(syncFacts({ replica: replica({}) }).cursor).toBeUndefined();
    expect(syncFacts({ replica: replica({ syncLibrary: 'lib-1' }) }).cursor).toBeUndefined();
    expect(syncFacts({ replica: replica({ syncLibrary: 'lib-1', 'sync:lib-1': { epoch: 1, serverSeq: '2' } }) }).cursor).toBeUndefined();
    expect(syncFacts({ replica: replica({ syncLibrary: 7 }) }).library).toBeUndefined();
  });

  it('knows truancy only from what the server said', () => {
    expect(truancyOf({ phase: 'join-required', pending: 0, joinRequired: { reason: 'truant', atRisk: 2 } }, undefined)).toEqual({ kind: 'truant' });
    expect(truancyOf({ phase: 'join-required', pending: 0, joinRequired: { reason: 'late-joiner', atRisk: 2 } }, 5)).toEqual({ kind: 'unknown', lastLive: 5 });
    expect(truancyOf({ phase: 'live', pending: 0 }, undefined)).toEqual({ kind: 'resumed' });
    expect(truancyOf({ phase: 'offline', pending: 0 }, 9)).toEqual({ kind: 'unknown', lastLive: 9 });
    expect(truancyOf(undefined, undefined)).toEqual({ kind: 'unknown', lastLive: undefined });
  });

  it('counts the resets archived for truancy', () => {
    expect(syncFacts({ replica: replica({}), archiveReasons: ['truant', 'late-joiner', 'truant'] }).truantResets).toBe(2);
  });
});
