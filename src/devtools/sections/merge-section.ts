/**
 * One document's merge state, on request (it scans the log): the document
 * as shown, its head (every write that still matters, with its stamp, and
 * whether its op is still in the log or compacted into the baseline), and
 * the log's ops of the document.
 */
import { Subscription } from 'rxjs';
import { TS_LENGTH } from '../../core/index.js';
import type { MergeInspection } from '../../store/index.js';
import { describeChange, describeTs } from '../describe-op.js';
import { el, fill, row, section, table } from '../dom.js';
import { safeJson } from '../error-log.js';
import type { MountedSection, PanelContext } from '../panel-context.js';

function render(state: MergeInspection): HTMLElement[] {
  const inLog = new Set(state.ops.map(({ op }) => `${op.ts}${op.replicaId}#${op.seq}`));
  const entries = (state.head?.entries ?? []).map((entry) => {
    const ts = entry.stamp.slice(0, TS_LENGTH);
    const tr = row(describeTs(ts), entry.stamp.slice(TS_LENGTH), entry.seq, describeChange(entry.change), inLog.has(`${entry.stamp}#${entry.seq}`) ? 'op in log' : 'baseline');
    tr.dataset.entry = `${entry.stamp.slice(TS_LENGTH)}#${entry.seq}`;
    return tr;
  });
  const ops = state.ops.map(({ op, serverSeq, onServer }) => row(serverSeq ?? '', op.replicaId, op.seq, describeTs(op.ts), describeChange(op.change), onServer ? 'server' : 'local only'));
  const title = `${state.collection} / ${state.id}`;
  if (!state.head) return [el('p', { 'data-field': 'merge-summary' }, `${title}: this replica holds nothing of it.`)];
  return [
    el('p', { 'data-field': 'merge-summary' }, `${title}: ${state.document ? 'shown' : 'deleted'}; ${state.head.entries.length} write(s) in its merge state, ${state.compacted} of them compacted into the baseline; ${state.ops.length} op(s) in the log.`),
    el('h4', {}, 'Document'),
    el('pre', { 'data-field': 'merge-document' }, state.document ? JSON.stringify(state.document, null, 2) : '(deleted)'),
    el('h4', {}, 'Merge state (field stamps)'),
    table(['ts (UTC)', 'replica', 'seq', 'write', 'from'], entries),
    el('h4', {}, 'Ops in the log'),
    state.ops.length > 0 ? table(['server seq', 'replica', 'seq', 'ts (UTC)', 'change', 'held by'], ops) : el('p', { class: 'td-muted' }, 'None: every write is in the baseline.'),
  ];
}

export function mergeSection(ctx: PanelContext): MountedSection {
  const collection = el('select', { 'data-field': 'merge-collection', 'aria-label': 'collection' }, ...ctx.store.schema.collectionNames.map((name) => el('option', { value: name }, name)));
  const id = el('input', { type: 'text', 'data-field': 'merge-id', 'aria-label': 'document id', placeholder: 'document id', autocomplete: 'off', spellcheck: 'false' });
  const result = el('div', { 'data-field': 'merge-state' });
  let asked = 0;
  const form = el('form', { class: 'td-form' }, collection, id, el('button', { type: 'submit' }, 'Show merge state'));
  const subscription = new Subscription();
  const onSubmit = (event: Event) => {
    event.preventDefault();
    const ask = ++asked;
    fill(result, el('p', { class: 'td-muted' }, 'Reading…'));
    ctx.inspector.mergeState(collection.value, id.value).then(
      (state) => ask === asked && fill(result, ...render(state)),
      (err: unknown) => {
        if (ask === asked) fill(result);
        ctx.report('merge state', err);
      },
    );
  };
  form.addEventListener('submit', onSubmit);
  subscription.add(() => form.removeEventListener('submit', onSubmit));
  // An answer arriving after unmount has nowhere to go.
  subscription.add(() => void (asked = -1));
  return { node: section({ name: 'merge', title: 'Merge state' }, form, result), subscription };
}
