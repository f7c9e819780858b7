/** The op log's tail, live: server order first, then what only this replica has. */
import { Subscription } from 'rxjs';
import { describeChange, describeTs } from '../describe-op.js';
import { el, fill, row, section, table } from '../dom.js';
import type { MountedSection, PanelContext } from '../panel-context.js';

export function logSection(ctx: PanelContext): MountedSection {
  const body = el('div', { 'data-field': 'op-log' });
  const subscription = new Subscription();
  subscription.add(
    ctx.inspector.opLogTail(ctx.tail).subscribe({
      next: (ops) => {
        if (ops.length === 0) return fill(body, el('p', { class: 'td-muted' }, 'The log is empty (nothing written yet, or everything compacted).'));
        const rows = ops.map(({ op, serverSeq, onServer }) => {
          const tr = row(serverSeq ?? '', op.replicaId, op.seq, describeTs(op.ts), `${op.collection} / ${op.id}`, describeChange(op.change), onServer ? 'server' : 'local only');
          tr.dataset.op = `${op.replicaId}#${op.seq}`;
          return tr;
        });
        fill(body, table(['server seq', 'replica', 'seq', 'ts (UTC)', 'collection / id', 'change', 'held by'], rows));
      },
      error: (err) => ctx.report('op log', err),
    }),
  );
  const note = el('p', { class: 'td-muted' }, `The newest ${ctx.tail} ops the log holds; ops squashed into baselines by compaction are gone from it.`);
  return { node: section({ name: 'op-log', title: 'Op log (tail)' }, note, body), subscription };
}
