/** What every section of the panel shares: the store, its inspector, the sync being watched, and the error log. */
import type { BehaviorSubject, Observable, Subscription } from 'rxjs';
import type { Store, StoreInspector } from '../store/index.js';
import type { SyncState } from '../sync/index.js';
import type { LoggedError } from './error-log.js';

/**
 * The part of a `Sync` the panel reads. `presence` exists only when the
 * presence plugin is installed, and `rejections` only where the sync reports
 * refused writes: both are read defensively, whatever their shape.
 */
export interface DevtoolsSync {
  readonly state: Observable<SyncState>;
  readonly presence?: unknown;
  readonly rejections?: unknown;
}

/** The part of a store the panel uses besides its inspector: any `Store<S>` is one. */
export type DevtoolsStore = Pick<Store, 'archives' | 'exportArchive'> & { readonly schema: { readonly collectionNames: readonly string[] } };

export interface PanelContext {
  readonly store: DevtoolsStore;
  readonly inspector: StoreInspector;
  /** The sync being watched; undefined while there is none (the store alone). */
  readonly sync: Observable<DevtoolsSync | undefined>;
  /** Its state; undefined while there is no sync. */
  readonly state: Observable<SyncState | undefined>;
  readonly errors: BehaviorSubject<readonly LoggedError[]>;
  /** Logs a failure of `source` (a panel action, or sync) in the errors section. */
  report(source: string, error: unknown): void;
  readonly now: () => number;
  /** Rows of the op log tail to show. */
  readonly tail: number;
}

/** A section: its node, and what to end when the panel unmounts. */
export interface MountedSection {
  readonly node: HTMLElement;
  readonly subscription: Subscription;
}
