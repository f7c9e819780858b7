import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describeBudget, failures, ratioOf } from './budget.js';
import type { FigureRow } from './types.js';

export interface RunInfo {
  readonly quick: boolean;
  readonly seconds: number;
  readonly figureSeconds: Record<string, number>;
  readonly errors: readonly { figure: string; error: string }[];
}

function fmt(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return '—';
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** The Markdown table printed on stdout. */
export function markdownTable(rows: readonly FigureRow[]): string {
  const lines = [
    '| figure | unit | N | median | p95 | p99 | limit median (p95) | ratio | budget | pass |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
  ];
  for (const row of rows) {
    const { subject: s, limit: l } = row;
    const failed = failures(row);
    lines.push(
      `| ${row.figure} | ${row.unit} | ${s.n} | ${fmt(s.median)} | ${fmt(s.p95)} | ${fmt(s.p99)} | ` +
        `${l ? `${fmt(l.median)} (${fmt(l.p95)})` : '—'} | ${l ? `${fmt(ratioOf(row))}×` : '—'} | ` +
        `${describeBudget(row.budget, row.unit)} | ${failed.length === 0 ? 'yes' : `**no** (${failed.join(', ')})`} |`,
    );
  }
  return lines.join('\n');
}

/** bench/results/latest.json: one entry per row, plus how the run went. */
export async function writeResults(path: string, rows: readonly FigureRow[], info: RunInfo): Promise<void> {
  const figures = rows.map((row) => ({
    figure: row.figure,
    unit: row.unit,
    better: row.better,
    N: row.subject.n,
    median: row.subject.median,
    p95: row.subject.p95,
    p99: row.subject.p99,
    limit: row.limit ?? null,
    ratio: ratioOf(row) ?? null,
    budget: { ...row.budget, text: describeBudget(row.budget, row.unit) },
    pass: failures(row).length === 0,
    ...(row.notes ? { notes: row.notes } : {}),
  }));
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify({ date: new Date().toISOString(), ...info, figures }, null, 2)}\n`);
}
