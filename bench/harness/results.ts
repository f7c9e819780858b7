/**
 * bench/results/latest.json as data: one row per measured row of every figure,
 * each stamped with the run that measured it (date, commit, quick). A run
 * replaces the rows of the figures it ran and keeps every other figure's last
 * rows, so `--only propagation` leaves single-write's row (and when and at
 * which commit it was measured) as it was. A figure that threw leaves one
 * failing row with its error instead of its old rows, so nobody reads an old
 * number as today's. Pure: report.ts reads and writes the file.
 */
import { describeBudget, failures, ratioOf } from './budget.js';
import type { Budget, FigureRow, Summary } from './types.js';

/** Which run measured a row. */
export interface RunStamp {
  /** ISO date of the run. */
  readonly date: string;
  /** `git rev-parse HEAD` (with `+dirty` when src/ or bench/ had uncommitted changes), or null outside git. */
  readonly commit: string | null;
  readonly quick: boolean;
}

/** One row of latest.json. */
export interface ResultRow extends RunStamp {
  /** The figure's name (`--only` takes it): the unit a run replaces. */
  readonly name: string;
  /** The row's own title ("propagation (node)"). */
  readonly figure: string;
  /** Seconds the whole figure took in its run (all its rows). */
  readonly seconds: number;
  readonly pass: boolean;
  readonly unit?: string;
  readonly better?: string;
  readonly N?: number;
  readonly median?: number;
  readonly p95?: number;
  readonly p99?: number;
  readonly limit?: (Summary & { readonly what: string }) | null;
  /** Median ratio, and the tail ratios (p95, p99) beside it. */
  readonly ratio?: number | null;
  readonly tailRatios?: { readonly p95: number; readonly p99: number } | null;
  readonly budget?: Budget & { readonly text: string };
  readonly failed?: readonly string[];
  readonly notes?: string;
  /** Set instead of the measures when the figure threw. */
  readonly error?: string;
}

/** What one figure's run gave: its rows, or the error it threw (then rows measured before it are dropped too). */
export interface FigureOutcome {
  readonly name: string;
  readonly rows: readonly FigureRow[];
  readonly error?: string;
  readonly seconds: number;
}

function measuredRow(name: string, row: FigureRow, stamp: RunStamp & { seconds: number }): ResultRow {
  const failed = failures(row);
  const p95 = ratioOf(row, 'p95');
  const p99 = ratioOf(row, 'p99');
  return {
    name,
    figure: row.figure,
    ...stamp,
    pass: failed.length === 0,
    unit: row.unit,
    better: row.better,
    N: row.subject.n,
    median: row.subject.median,
    p95: row.subject.p95,
    p99: row.subject.p99,
    limit: row.limit ?? null,
    ratio: ratioOf(row) ?? null,
    tailRatios: p95 !== undefined && p99 !== undefined ? { p95, p99 } : null,
    budget: { ...row.budget, text: describeBudget(row.budget, row.unit) },
    ...(failed.length > 0 ? { failed } : {}),
    ...(row.notes ? { notes: row.notes } : {}),
  };
}

/** The rows one figure's outcome leaves in latest.json: its measured rows, or one failing row naming its error. */
export function resultRows(outcome: FigureOutcome, stamp: RunStamp): ResultRow[] {
  const stamped = { ...stamp, seconds: outcome.seconds };
  if (outcome.error !== undefined) return [{ name: outcome.name, figure: outcome.name, ...stamped, pass: false, error: outcome.error }];
  // A figure that returns nothing measured nothing: that fails as a throw does, rather than passing silently.
  if (outcome.rows.length === 0) return [{ name: outcome.name, figure: outcome.name, ...stamped, pass: false, error: 'the figure returned no rows' }];
  return outcome.rows.map((row) => measuredRow(outcome.name, row, stamped));
}

/**
 * The rows latest.json holds after a run: the previous file's rows of every
 * figure this run did not run (and that still exists), then this run's rows,
 * all in the order of `figures`. Rows without a `name` (written before rows
 * carried one) cannot be told apart and are dropped.
 */
export function mergeResults(o: { previous: readonly unknown[]; current: readonly ResultRow[]; figures: readonly string[] }): ResultRow[] {
  const ran = new Set(o.current.map((row) => row.name));
  const kept = o.previous.filter(
    (row): row is ResultRow => isResultRow(row) && !ran.has(row.name) && o.figures.includes(row.name),
  );
  const order = (row: ResultRow) => o.figures.indexOf(row.name);
  // Array.prototype.sort is stable: a figure's rows keep their own order.
  return [...kept, ...o.current].sort((a, b) => order(a) - order(b));
}

function isResultRow(row: unknown): row is ResultRow {
  const r = row as Partial<ResultRow> | null;
  return typeof r === 'object' && r !== null && typeof r.name === 'string' && typeof r.figure === 'string' && typeof r.pass === 'boolean';
}

/** The process's exit status after a run: 0 only when every row this run produced passed (a figure that threw left a failing row). */
export function exitStatus(current: readonly ResultRow[]): 0 | 1 {
  return current.length > 0 && current.every((row) => row.pass) ? 0 : 1;
}
