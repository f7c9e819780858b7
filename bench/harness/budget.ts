import { summarize, type Side } from './stats.js';
import type { Better, Budget, FigureRow } from './types.js';

/** Subject median ÷ limit median (or the same of a tail); undefined for absolute figures. */
export function ratioOf(row: FigureRow, at: 'median' | 'p95' | 'p99' = 'median'): number | undefined {
  return row.limit ? row.subject[at] / row.limit[at] : undefined;
}

/** The rules of `row.budget` that fail (empty = pass). */
export function failures(row: FigureRow): string[] {
  const { budget, subject } = row;
  const ratio = ratioOf(row);
  const out: string[] = [];
  const check = (ok: boolean, rule: string) => void (ok || out.push(rule));
  if (budget.minRatio !== undefined) check(ratio !== undefined && ratio >= budget.minRatio, `ratio ≥ ${budget.minRatio}×`);
  if (budget.maxRatio !== undefined) check(ratio !== undefined && ratio <= budget.maxRatio, `ratio ≤ ${budget.maxRatio}×`);
  for (const [at, max] of [['p95', budget.maxP95Ratio], ['p99', budget.maxP99Ratio]] as const) {
    if (max === undefined) continue;
    const tail = ratioOf(row, at);
    check(tail !== undefined && tail <= max, `${at} ratio ≤ ${max}×`);
  }
  if (budget.maxMedian !== undefined) check(subject.median <= budget.maxMedian, `p50 ≤ ${budget.maxMedian} ${row.unit}`);
  if (budget.maxP95 !== undefined) check(subject.p95 <= budget.maxP95, `p95 ≤ ${budget.maxP95} ${row.unit}`);
  if (budget.maxP99 !== undefined) check(subject.p99 <= budget.maxP99, `p99 ≤ ${budget.maxP99} ${row.unit}`);
  return out;
}

export function describeBudget(budget: Budget, unit: string): string {
  const parts: string[] = [];
  if (budget.maxMedian !== undefined) parts.push(`p50 ≤ ${budget.maxMedian} ${unit}`);
  if (budget.maxP95 !== undefined) parts.push(`p95 ≤ ${budget.maxP95} ${unit}`);
  if (budget.maxP99 !== undefined) parts.push(`p99 ≤ ${budget.maxP99} ${unit}`);
  if (budget.minRatio !== undefined) parts.push(`≥ ${budget.minRatio}× limit`);
  if (budget.maxRatio !== undefined) parts.push(`${tailRules(budget) ? 'p50 ' : ''}≤ ${budget.maxRatio}× limit`);
  if (budget.maxP95Ratio !== undefined) parts.push(`p95 ≤ ${budget.maxP95Ratio}× limit p95`);
  if (budget.maxP99Ratio !== undefined) parts.push(`p99 ≤ ${budget.maxP99Ratio}× limit p99`);
  return parts.join(', ');
}

const tailRules = (budget: Budget) => budget.maxP95Ratio !== undefined || budget.maxP99Ratio !== undefined;

export interface CompareOptions {
  readonly figure: string;
  readonly unit: string;
  readonly better: Better;
  readonly values: Record<Side, number[]>;
  /** What the limit is, in a few words ("raw Dexie put, own transaction"). */
  readonly limit: string;
  readonly budget: Budget;
  readonly notes?: string;
}

/** A row from interleaved subject/limit samples. */
export function compareRow(options: CompareOptions): FigureRow {
  return {
    figure: options.figure,
    unit: options.unit,
    better: options.better,
    subject: summarize(options.values.trellis, options.better),
    limit: { what: options.limit, ...summarize(options.values.limit, options.better) },
    budget: options.budget,
    ...(options.notes ? { notes: options.notes } : {}),
  };
}
