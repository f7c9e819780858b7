/**
 * The devtools panel behind a toggle. The panel's code loads on the first
 * open (a dynamic import), so the demo's own bundle carries none of it, as
 * an app that never opens devtools should not.
 */
import type { Observable } from 'rxjs';
import type { Sync } from 'trellis/sync';
import type { ListStore } from '../schema.js';
import { h } from './dom.js';

export function mountDevtoolsToggle(container: HTMLElement, o: { store: ListStore; syncs: Observable<Sync | undefined> }): void {
  const panel = h('div', { id: 'devtools-panel', class: 'devtools-panel', hidden: true });
  const button = h('button', { type: 'button', class: 'small', 'aria-expanded': 'false', 'aria-controls': 'devtools-panel', 'data-testid': 'devtools-toggle' }, 'Show devtools');
  let unmount: (() => void) | undefined;
  let opening = false;
  const show = async (open: boolean) => {
    button.setAttribute('aria-expanded', String(open));
    button.textContent = open ? 'Hide devtools' : 'Show devtools';
    panel.hidden = !open;
    if (!open) {
      unmount?.();
      unmount = undefined;
      return;
    }
    if (unmount || opening) return;
    opening = true;
    try {
      const { mountDevtools } = await import('trellis/devtools');
      // Closed again while the code loaded: nothing to mount.
      if (button.getAttribute('aria-expanded') === 'true') unmount = mountDevtools(panel, { store: o.store, sync: o.syncs });
    } finally {
      opening = false;
    }
  };
  button.addEventListener('click', () => void show(button.getAttribute('aria-expanded') !== 'true'));
  container.append(button, panel);
}
