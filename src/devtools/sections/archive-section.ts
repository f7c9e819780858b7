/** The archives (what resets forfeited), newest first, live, each exportable as a JSON download. */
import { Subscription } from 'rxjs';
import { el, fill, row, section, table, download } from '../dom.js';
import type { MountedSection, PanelContext } from '../panel-context.js';

/** A file name from an archive id: the store makes ids of URL-safe characters, but a name is no place to trust that. */
export const archiveFileName = (id: string): string => `trellis-archive-${id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64)}.json`;

export function archiveSection(ctx: PanelContext): MountedSection {
  const body = el('div', { 'data-field': 'archives' });
  const exportArchive = (id: string) =>
    ctx.store.exportArchive(id).then(
      (json) => download(archiveFileName(id), json),
      (err: unknown) => ctx.report('archive export', err),
    );
  const subscription = new Subscription();
  subscription.add(
    ctx.store.archives.subscribe({
      next: (archives) => {
        if (archives.length === 0) return fill(body, el('p', { class: 'td-muted' }, 'No archives: no reset has forfeited local changes here.'));
        const rows = archives.map((archive) => {
          const button = el('button', { type: 'button', 'data-archive': archive.id }, 'Export JSON');
          button.addEventListener('click', () => void exportArchive(archive.id));
          return row(new Date(archive.createdAt).toISOString().replace('T', ' ').slice(0, 19), archive.reason, archive.replicaId, archive.ops.length, button);
        });
        fill(body, table(['created (UTC)', 'reason', 'old replica id', 'ops', ''], rows));
      },
      error: (err) => ctx.report('archives', err),
    }),
  );
  return { node: section({ name: 'archives', title: 'Archives' }, body), subscription };
}
