/** The last errors the panel saw (sync's, refused writes, its own failed actions), newest first. */
import { Subscription } from 'rxjs';
import { el, fill, row, section, table } from '../dom.js';
import type { MountedSection, PanelContext } from '../panel-context.js';

export function errorsSection(ctx: PanelContext): MountedSection {
  const body = el('div', { 'data-field': 'errors' });
  const subscription = new Subscription();
  subscription.add(
    ctx.errors.subscribe((errors) => {
      if (errors.length === 0) return fill(body, el('p', { class: 'td-muted' }, 'No errors seen since the panel opened.'));
      const rows = errors.map((e) => row(new Date(e.at).toISOString().slice(11, 19), e.source, el('code', {}, e.code), e.message));
      fill(body, table(['time (UTC)', 'source', 'code', 'message'], rows));
    }),
  );
  return { node: section({ name: 'errors', title: 'Last errors' }, body), subscription };
}
