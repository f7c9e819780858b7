import { summarize, type Side } from './stats.js';
import type { Better, Budget, FigureRow } from './types.js';

/** Subject median ÷ limit median; undefined for absolute figures. */
export function ratioOf(row: FigureRow): number | undefined {
  return row.limit ? row.subject.median / row.limit.median : undefined;
}

/** The rules of `row.budget` that fail (empty = pass). */
export function failures(row: FigureRow): string[] {
  const { budget, subject } = row;
  const ratio = ratioOf(row);
  const out: string[] = [];
  const check = (ok: boolean, rule: string) => void (ok || out.push(rule));
  if (budget.minRatio !== undefined) check(ratio !== undefined && ratio >= budget.minRatio, `ratio ≥ ${budget.minRatio}×`);
  if (budget.maxRatio !== undefined) check(ratio !== undefined && ratio <= budget.maxRatio, `ratio ≤ ${budget.maxRatio}×`);
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
  if (budget.maxRatio !== undefined) parts.push(`≤ ${budget.maxRatio}× limit`);
  return parts.join(', ');
}

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
