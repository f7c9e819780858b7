/**
 * The replica and its sync: the replica id, the library, the phase and
 * pending count, and the replica's place in the library's history (cursor,
 * horizon, own seqs, truancy).
 */
import { combineLatest, map, Subscription, tap } from 'rxjs';
import type { SyncState } from '../../sync/index.js';
import { el, fact, section } from '../dom.js';
import type { MountedSection, PanelContext } from '../panel-context.js';
import { syncFacts, type SyncFacts, type Truancy } from '../sync-facts.js';

function phaseText(state: SyncState | undefined): string {
  return state?.phase ?? 'no sync';
}

function progressText(state: SyncState | undefined): string {
  if (state?.joinRequired) return `join required (${state.joinRequired.reason}, ${state.joinRequired.atRisk} changes at risk)`;
  if (state?.progress) return `${state.progress.received} / ${state.progress.total}`;
  return '—';
}

function truancyText(truancy: Truancy, facts: SyncFacts): string {
  const past = facts.truantResets > 0 ? ` Reset ${facts.truantResets} time(s) before for truancy (see the archives).` : '';
  switch (truancy.kind) {
    case 'truant':
      return `Truant: the server asks this replica to reset (join).${past}`;
    case 'resumed':
      return `Not truant: the server resumed this replica.${past}`;
    case 'unknown': {
      const seen = truancy.lastLive === undefined ? 'not live since the panel opened' : `last live at ${new Date(truancy.lastLive).toISOString().slice(11, 19)} UTC`;
      return `Unknown until the server answers (it alone knows its truancy window); ${seen}.${past}`;
    }
  }
}

export function statusSection(ctx: PanelContext): MountedSection {
  const replicaId = fact('replica id', 'replica-id');
  const library = fact('library', 'library');
  const phase = fact('phase', 'phase');
  const pending = fact('pending', 'pending');
  const progress = fact('progress', 'progress');
  const cursor = fact('cursor (server seq)', 'cursor');
  const horizon = fact('horizon (server seq)', 'horizon');
  const own = fact('own seq / acknowledged', 'own-seq');
  const truancy = fact('truancy', 'truancy');
  let lastLive: number | undefined;
  const state$ = ctx.state.pipe(tap((state) => state?.phase === 'live' && (lastLive = ctx.now())));
  const reasons$ = ctx.store.archives.pipe(map((archives) => archives.map((a) => a.reason)));
  const subscription = new Subscription();
  subscription.add(
    combineLatest([ctx.inspector.replica, state$, reasons$]).subscribe({
      next: ([replica, state, archiveReasons]) => {
        const facts = syncFacts({ replica, state, lastLive, archiveReasons });
        replicaId.value.textContent = replica.replicaId;
        library.value.textContent = facts.library ?? 'none yet';
        phase.value.textContent = phaseText(state);
        pending.value.textContent = state ? String(state.pending) : '—';
        progress.value.textContent = progressText(state);
        cursor.value.textContent = facts.cursor ? `${facts.cursor.serverSeq} (epoch ${facts.cursor.epoch})` : 'none (never synced with this library)';
        horizon.value.textContent = facts.horizon === undefined ? 'none announced' : String(facts.horizon);
        own.value.textContent = `${facts.ownSeq} / ${facts.ackedSeq}`;
        truancy.value.textContent = truancyText(facts.truancy, facts);
      },
      error: (err) => ctx.report('status', err),
    }),
  );
  const list = el('dl', { class: 'td-facts' }, ...[replicaId, library, phase, pending, progress, cursor, horizon, own, truancy].map((f) => f.row));
  return { node: section({ name: 'status', title: 'Replica and sync' }, list), subscription };
}
