/** What a step returns: the next session and the effects to carry out, in order. */
import type { Effect } from './effects.js';
import type { Session } from './session.js';

export interface Step {
  readonly session: Session;
  readonly effects: readonly Effect[];
}

export const next = (session: Session, ...effects: Effect[]): Step => ({ session, effects });
