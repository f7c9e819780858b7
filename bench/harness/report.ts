import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describeBudget, failures, ratioOf } from './budget.js';
import { mergeResults, type ResultRow } from './results.js';
import type { FigureRow } from './types.js';

function fmt(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return '—';
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** The ratio cell: the medians' ratio, and the tails' where the budget rules on them. */
function ratioCell(row: FigureRow): string {
  if (!row.limit) return '—';
  const tails = (['p95', 'p99'] as const).filter((at) => (at === 'p95' ? row.budget.maxP95Ratio : row.budget.maxP99Ratio) !== undefined);
  const extra = tails.map((at) => `${at} ${fmt(ratioOf(row, at))}×`).join(', ');
  return `${fmt(ratioOf(row))}×${extra ? ` (${extra})` : ''}`;
}

/** The Markdown table printed on stdout; a figure that threw gets a failing line of its own. */
export function markdownTable(rows: readonly FigureRow[], errors: readonly { figure: string; error: string }[] = []): string {
  const lines = [
    '| figure | unit | N | median | p95 | p99 | limit median (p95) | ratio | budget | pass |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
  ];
  for (const row of rows) {
    const { subject: s, limit: l } = row;
    const failed = failures(row);
    lines.push(
      `| ${row.figure} | ${row.unit} | ${s.n} | ${fmt(s.median)} | ${fmt(s.p95)} | ${fmt(s.p99)} | ` +
        `${l ? `${fmt(l.median)} (${fmt(l.p95)})` : '—'} | ${ratioCell(row)} | ` +
        `${describeBudget(row.budget, row.unit)} | ${failed.length === 0 ? 'yes' : `**no** (${failed.join(', ')})`} |`,
    );
  }
  for (const { figure, error } of errors) {
    const first = (error.split('\n')[0] ?? '').replaceAll('|', '\\|');
    lines.push(`| ${figure} | — | — | — | — | — | — | — | — | **no** (threw: ${first}) |`);
  }
  return lines.join('\n');
}

/** The rows of the latest.json at `path`, or none (no file yet, or not ours to read). */
async function previousRows(path: string): Promise<unknown[]> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as { figures?: unknown };
    return Array.isArray(parsed.figures) ? parsed.figures : [];
  } catch {
    return [];
  }
}

/**
 * bench/results/latest.json: this run's rows merged into the file's (see
 * results.ts). `date` and `seconds` at the top are the last run's; each row
 * carries its own run's date, commit and figure seconds.
 */
export async function writeResults(path: string, current: readonly ResultRow[], run: { figures: readonly string[]; date: string; seconds: number }): Promise<void> {
  const figures = mergeResults({ previous: await previousRows(path), current, figures: run.figures });
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify({ date: run.date, seconds: run.seconds, figures }, null, 2)}\n`);
}
