/**
 * mountDevtools: the panel, mounted into an element the app gives. No
 * framework: plain DOM, built with text nodes only (see dom.ts).
 */
import { BehaviorSubject, isObservable, of, shareReplay, Subscription, switchMap, type Observable } from 'rxjs';
import { ErrorCode, TrellisError } from '../core/index.js';
import { inspectStore } from '../store/index.js';
import type { SyncState } from '../sync/index.js';
import { el } from './dom.js';
import { describeError, describeRejection, logError, type LoggedError } from './error-log.js';
import type { DevtoolsStore, DevtoolsSync, MountedSection, PanelContext } from './panel-context.js';
import { archiveSection } from './sections/archive-section.js';
import { errorsSection } from './sections/errors-section.js';
import { logSection } from './sections/log-section.js';
import { mergeSection } from './sections/merge-section.js';
import { presenceSection } from './sections/presence-section.js';
import { statusSection } from './sections/status-section.js';
import { DEVTOOLS_CSS } from './styles.js';

export interface DevtoolsOptions {
  /** The store to inspect: the object createStore() returned. */
  readonly store: DevtoolsStore;
  /**
   * The sync to watch, if any: a `Sync`, or an Observable of the current one
   * for an app that replaces its sync (a library switch, a pause); undefined
   * while there is none.
   */
  readonly sync?: DevtoolsSync | Observable<DevtoolsSync | undefined>;
  /** Rows of the op log's tail to show. Default 50, at most 1000. */
  readonly tail?: number;
  /** Wall clock for the error log and "last live". Default `Date.now`. */
  readonly now?: () => number;
}

/** The most op log rows the panel shows: its table is rebuilt on every write. */
export const MAX_TAIL = 1000;

function checkOptions(element: unknown, options: DevtoolsOptions): void {
  const problem =
    typeof Element === 'undefined' || !(element instanceof Element)
      ? 'the first argument must be a DOM element to mount into'
      : typeof options?.store !== 'object' || options.store === null
        ? '`store` must be the object createStore() returned'
        : options.tail !== undefined && (!Number.isSafeInteger(options.tail) || options.tail < 1 || options.tail > MAX_TAIL)
          ? `\`tail\` must be an integer from 1 to ${MAX_TAIL}`
          : undefined;
  if (problem) throw new TrellisError(ErrorCode.INVALID_ARGUMENT, `mountDevtools: ${problem}.`);
}

function syncSource(sync: DevtoolsOptions['sync']): Observable<DevtoolsSync | undefined> {
  if (sync === undefined) return of(undefined);
  if (isObservable(sync)) return sync as Observable<DevtoolsSync | undefined>;
  return of(sync as DevtoolsSync);
}

/** Watches sync's errors (its state's, and refused writes where the sync reports them) into the error log. */
function watchSyncErrors(ctx: PanelContext): Subscription {
  const subscription = new Subscription();
  subscription.add(ctx.state.subscribe((state) => state?.error && ctx.report('sync', state.error)));
  subscription.add(
    ctx.sync
      .pipe(switchMap((sync) => (sync && isObservable(sync.rejections) ? (sync.rejections as Observable<unknown>) : of())))
      .subscribe({ next: (rejection) => ctx.report('rejection', describeRejection(rejection)), error: (err) => ctx.report('rejection', err) }),
  );
  return subscription;
}

/**
 * Mounts the devtools panel into `element` (appended after what it holds)
 * and returns the function that unmounts it: it ends every subscription and
 * removes the panel. Costs nothing to apps that never import 'trellis/devtools'.
 *
 *   import { mountDevtools } from 'trellis/devtools';
 *   const unmount = mountDevtools(document.getElementById('devtools')!, { store, sync });
 */
export function mountDevtools(element: Element, options: DevtoolsOptions): () => void {
  checkOptions(element, options);
  const inspector = inspectStore(options.store);
  const now = options.now ?? Date.now;
  const errors = new BehaviorSubject<readonly LoggedError[]>([]);
  const sync = syncSource(options.sync).pipe(shareReplay({ bufferSize: 1, refCount: true }));
  const state: Observable<SyncState | undefined> = sync.pipe(
    switchMap((current) => current?.state ?? of(undefined)),
    shareReplay({ bufferSize: 1, refCount: true }),
  );
  const ctx: PanelContext = {
    store: options.store,
    inspector,
    sync,
    state,
    errors,
    report: (source, error) => errors.next(logError(errors.value, { at: now(), source, ...describeError(error) })),
    now,
    tail: options.tail ?? 50,
  };
  const sections: MountedSection[] = [statusSection(ctx), logSection(ctx), mergeSection(ctx), archiveSection(ctx), presenceSection(ctx), errorsSection(ctx)];
  const watching = watchSyncErrors(ctx);
  const root = el(
    'div',
    { class: 'trellis-devtools', role: 'region', 'aria-label': 'Trellis devtools' },
    el('style', {}, DEVTOOLS_CSS),
    el('h3', {}, 'Trellis devtools'),
    ...sections.map((s) => s.node),
  );
  element.append(root);
  let mounted = true;
  return () => {
    if (!mounted) return;
    mounted = false;
    watching.unsubscribe();
    for (const s of sections) s.subscription.unsubscribe();
    errors.complete();
    root.remove();
  };
}
