import { computed, type ComputedRef } from 'vue';
import { atRiskBlob, joinPrompt, type JoinableSync, type JoinPrompt } from '../bindings/index.js';
import { useSyncState } from './use-sync-state.js';

/** What useJoinLibrary returns: the prompt's fields as refs, and the two actions. */
export interface JoinLibrary {
  /** Sync waits for the user's consent to reset to the server's snapshot (phase `join-required`). */
  readonly required: ComputedRef<JoinPrompt['required']>;
  /** Why, while `required` (late joiner, truant, library reset, fork). */
  readonly reason: ComputedRef<JoinPrompt['reason']>;
  /** How many local changes a join would archive (0 when not `required`). */
  readonly atRisk: ComputedRef<JoinPrompt['atRisk']>;
  /** The user consented: archive the changes at risk and reset (`sync.join()`); resolves when live again. */
  join(): Promise<void>;
  /**
   * The changes a join would archive (`sync.atRisk()`), as a JSON Blob (`{ format: 'trellis-at-risk', version: 1, replicaId, ops }`),
   * for a "Save my changes" link before joining. After the join they are also in `store.archives`.
   */
  downloadAtRisk(): Promise<Blob>;
}

/**
 * Everything a "Join library" prompt needs, as refs (destructure freely):
 *
 *   const { required, atRisk, join } = useJoinLibrary(sync);
 *   // <button v-if="required" @click="join">Join library ({{ atRisk }} changes will be archived)</button>
 */
export function useJoinLibrary(sync: JoinableSync): JoinLibrary {
  const state = useSyncState(sync);
  const prompt = computed(() => joinPrompt(state.value));
  return {
    required: computed(() => prompt.value.required),
    reason: computed(() => prompt.value.reason),
    atRisk: computed(() => prompt.value.atRisk),
    join: () => sync.join(),
    downloadAtRisk: () => atRiskBlob(sync),
  };
}
