/**
 * The at-a-glance sync status: the badge in the header, the progress bar
 * while a large sync or a reset streams in, and banners for the states a
 * person should read about (offline, server unreachable, token rejected,
 * a join waiting for consent, notices).
 */
import { plural } from '../format.js';
import type { Session, SessionStatus } from '../session.js';
import { fill, h } from './dom.js';

export type BadgeKind = 'paused' | 'standby' | 'offline' | 'connecting' | 'syncing' | 'live' | 'join' | 'error';

export function badgeOf(s: SessionStatus): { kind: BadgeKind; label: string } {
  if (s.paused) return { kind: 'paused', label: 'paused' };
  const own = phaseBadge(s);
  // A follower tab shows the connection of the tab that holds it; what needs this tab's hands (join, errors) shows as is.
  if (s.mode === 'standby' && (own.kind === 'live' || own.kind === 'syncing' || own.kind === 'connecting')) {
    return { kind: 'standby', label: `${own.label} · via another tab` };
  }
  return own;
}

function phaseBadge(s: SessionStatus): { kind: BadgeKind; label: string } {
  switch (s.sync.phase) {
    case 'offline':
      return { kind: 'offline', label: 'offline' };
    case 'connecting':
      return { kind: 'connecting', label: 'connecting' };
    case 'syncing':
    case 'resetting':
      return { kind: 'syncing', label: 'syncing' };
    case 'live':
      return { kind: 'live', label: 'live' };
    case 'join-required':
      return { kind: 'join', label: 'waiting to join' };
    case 'error':
      return { kind: 'error', label: 'error' };
    case 'outdated':
      return { kind: 'error', label: 'update the app to sync' };
  }
}

export function renderBadge(el: HTMLElement, s: SessionStatus): void {
  const { kind, label } = badgeOf(s);
  el.className = `badge badge-${kind}`;
  el.dataset.phase = kind;
  el.dataset.pending = String(s.sync.pending);
  el.title = `Sync: ${label}; ${plural(s.sync.pending, 'local change')} not yet on the server`;
  fill(
    el,
    h('span', { class: 'dot', 'aria-hidden': 'true' }),
    h('span', { class: 'label' }, label),
    h('span', { class: 'pending' }, `${s.sync.pending.toLocaleString('en')} pending`),
  );
}

/** The progress bar; its elements persist, so the bar animates from one chunk to the next. */
export function mountProgress(el: HTMLElement): (s: SessionStatus) => void {
  const what = h('strong');
  const count = h('span');
  const bar = h('progress', { max: 1 });
  fill(el, h('div', { class: 'progress-text' }, what, count), bar);
  return (s) => {
    const progress = s.sync.progress;
    const streaming = progress !== undefined && (s.sync.phase === 'syncing' || s.sync.phase === 'resetting');
    el.hidden = !streaming;
    if (!streaming) return;
    const { received, total } = progress;
    el.dataset.received = String(received);
    el.dataset.total = String(total);
    what.textContent = s.sync.phase === 'resetting' ? `Loading library “${s.prefs.library}”` : 'Catching up';
    count.textContent = total > 0 ? `${received.toLocaleString('en')} of ${plural(total, 'change')}` : 'waiting for the server…';
    bar.setAttribute('aria-label', what.textContent);
    bar.max = Math.max(total, 1);
    if (total > 0) bar.value = received;
    else bar.removeAttribute('value'); // indeterminate until the first chunk says how much is coming
  };
}

export function renderBanners(el: HTMLElement, s: SessionStatus, session: Session): void {
  // Rebuild only when what they say changes: status updates arrive often while sync retries.
  const showOffline = !s.online && s.mode === 'active';
  const signature = JSON.stringify([s.mode, s.problem, showOffline, s.pendingJoin?.ask === false ? s.pendingJoin : undefined, s.notice]);
  if (el.dataset.signature === signature) return;
  el.dataset.signature = signature;
  const banners: HTMLElement[] = [];
  if (s.problem) {
    banners.push(
      h(
        'div',
        { class: `banner banner-error`, role: 'alert', 'data-testid': 'problem', 'data-kind': s.problem.kind },
        h('div', {}, h('strong', {}, s.problem.title, s.problem.code ? h('code', { class: 'error-code' }, s.problem.code) : null), h('p', {}, s.problem.detail)),
        h('button', { type: 'button', onclick: () => session.retry(), 'data-testid': 'retry' }, 'Retry now'),
      ),
    );
  } else if (showOffline) {
    banners.push(
      h(
        'div',
        { class: 'banner banner-offline', 'data-testid': 'offline-banner' },
        h('div', {}, h('strong', {}, 'You are offline'), h('p', {}, 'Keep going: every change is saved on this device and syncs when the connection is back.')),
      ),
    );
  }
  if (s.mode === 'standby') {
    banners.push(
      h(
        'div',
        { class: 'banner', 'data-testid': 'standby-banner' },
        h(
          'div',
          {},
          h('strong', {}, 'Another tab holds the connection'),
          h('p', {}, 'Tabs of one browser share the store and one connection (shared tabs): edit here freely. This tab takes over when the other one closes.'),
        ),
      ),
    );
  }
  const pending = s.pendingJoin;
  if (pending && !pending.ask) {
    banners.push(
      h(
        'div',
        { class: 'banner banner-join', 'data-testid': 'join-banner' },
        h(
          'div',
          {},
          h('strong', {}, `Library “${pending.library}” is waiting for your consent`),
          h('p', {}, `Sync is on hold. ${plural(pending.atRisk, 'local change')} that never reached a server ${pending.atRisk === 1 ? 'stays' : 'stay'} on this device until you decide.`),
        ),
        h('button', { type: 'button', class: 'primary', onclick: () => session.review(), 'data-testid': 'review-join' }, 'Review and join…'),
        pending.previous ? h('button', { type: 'button', onclick: () => session.goBack(), 'data-testid': 'go-back' }, `Back to “${pending.previous}”`) : null,
      ),
    );
  }
  if (s.notice) {
    banners.push(
      h(
        'div',
        { class: `banner banner-${s.notice.tone}`, 'data-testid': 'notice' },
        h('p', {}, s.notice.text),
        h('button', { type: 'button', class: 'icon', 'aria-label': 'Dismiss', onclick: () => session.dismissNotice() }, '✕'),
      ),
    );
  }
  fill(el, ...banners);
}
