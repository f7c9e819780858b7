/**
 * The framework-neutral part of the bindings ('trellis/react', 'trellis/vue'):
 * the live result shape and the join prompt. Internal (no package export);
 * imports the public 'trellis', store/index.ts and sync/index.ts only, and no
 * framework, so each binding carries only its own.
 *
 *   const { required, atRisk } = joinPrompt(state);
 */
export { LOADING, type LiveResult } from './live-result.js';
export { AT_RISK_FORMAT, atRiskBlob, joinPrompt, type JoinableSync, type JoinPrompt } from './join-prompt.js';
