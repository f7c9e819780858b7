import { describe, expect, it } from 'vitest';
import { failures } from '../../../bench/harness/budget.js';
import { exitStatus, mergeResults, resultRows, type ResultRow, type RunStamp } from '../../../bench/harness/results.js';
import type { Budget, FigureRow } from '../../../bench/harness/types.js';

const FIGURES = ['single-write', 'propagation', 'late-joiner', 'bundle-size'];
const today: RunStamp = { date: '2026-12-08T03:00:00.000Z', commit: 'bbbb', quick: true };
const yesterday: RunStamp = { date: '2026-12-07T03:00:00.000Z', commit: 'aaaa', quick: false };

/** A latency row (ms) whose subject and limit have these medians and p99s. */
function latencyRow(o: { figure: string; median: number; p99: number; limitMedian: number; limitP99: number; budget: Budget }): FigureRow {
  return {
    figure: o.figure,
    unit: 'ms',
    better: 'lower',
    subject: { n: 40, median: o.median, p95: o.p99, p99: o.p99 },
    limit: { what: 'the floor', n: 40, median: o.limitMedian, p95: o.limitP99, p99: o.limitP99 },
    budget: o.budget,
  };
}

const propagationBudget: Budget = { maxRatio: 2, maxP99Ratio: 3 };
const passing = latencyRow({ figure: 'propagation (node)', median: 6, p99: 12, limitMedian: 4, limitP99: 5, budget: propagationBudget });

function rowOf(name: string, stamp: RunStamp, pass = true): ResultRow {
  return { name, figure: name, ...stamp, seconds: 1, pass };
}

describe('budget rules on ratios', () => {
  it('passes at exactly the median and p99 ratios the budget allows', () => {
    expect(failures(latencyRow({ figure: 'p', median: 8, p99: 15, limitMedian: 4, limitP99: 5, budget: propagationBudget }))).toEqual([]);
  });

  it('fails the median ratio just past 2x and names the rule', () => {
    expect(failures(latencyRow({ figure: 'p', median: 8.01, p99: 15, limitMedian: 4, limitP99: 5, budget: propagationBudget }))).toEqual(['ratio ≤ 2×']);
  });

  it('fails the p99 ratio just past 3x even when the median holds', () => {
    expect(failures(latencyRow({ figure: 'p', median: 5, p99: 15.01, limitMedian: 4, limitP99: 5, budget: propagationBudget }))).toEqual(['p99 ratio ≤ 3×']);
  });

  it('fails a ratio rule on a row without a limit instead of passing it', () => {
    const { limit: _limit, ...absolute } = passing;
    expect(failures(absolute)).toEqual(['ratio ≤ 2×', 'p99 ratio ≤ 3×']);
  });

  it('fails a row whose samples are missing (NaN medians)', () => {
    expect(failures(latencyRow({ figure: 'p', median: Number.NaN, p99: Number.NaN, limitMedian: 4, limitP99: 5, budget: propagationBudget }))).toHaveLength(2);
  });
});

describe('resultRows', () => {
  it('stamps every measured row with the run and the figure name', () => {
    const [row] = resultRows({ name: 'propagation', rows: [passing], seconds: 12 }, today);
    expect(row).toMatchObject({ name: 'propagation', figure: 'propagation (node)', date: today.date, commit: 'bbbb', quick: true, seconds: 12, pass: true, ratio: 1.5 });
    expect(row?.tailRatios).toEqual({ p95: 12 / 5, p99: 12 / 5 });
  });

  it('records which rules failed on a row over budget', () => {
    const over = latencyRow({ figure: 'propagation (node)', median: 9, p99: 12, limitMedian: 4, limitP99: 5, budget: propagationBudget });
    expect(resultRows({ name: 'propagation', rows: [over], seconds: 1 }, today)[0]).toMatchObject({ pass: false, failed: ['ratio ≤ 2×'] });
  });

  it('turns a figure that threw into one failing row carrying its error', () => {
    expect(resultRows({ name: 'late-joiner', rows: [], error: 'Error: boom', seconds: 3 }, today)).toEqual([
      { name: 'late-joiner', figure: 'late-joiner', ...today, seconds: 3, pass: false, error: 'Error: boom' },
    ]);
  });

  it('fails a figure that returned no rows', () => {
    expect(resultRows({ name: 'late-joiner', rows: [], seconds: 3 }, today)[0]).toMatchObject({ pass: false, error: 'the figure returned no rows' });
  });
});

describe('mergeResults', () => {
  it('replaces the rows of the figures that ran and keeps the others with their own date and commit', () => {
    const previous = [rowOf('single-write', yesterday), { ...rowOf('propagation', yesterday), figure: 'propagation (node)' }, { ...rowOf('propagation', yesterday), figure: 'propagation (cloudflare)' }];
    const current = resultRows({ name: 'propagation', rows: [passing], seconds: 5 }, today);
    const merged = mergeResults({ previous, current, figures: FIGURES });
    expect(merged.map((r) => [r.name, r.figure, r.commit])).toEqual([
      ['single-write', 'single-write', 'aaaa'],
      ['propagation', 'propagation (node)', 'bbbb'],
    ]);
  });

  it('orders rows by the figure list, whatever order they were run or kept in', () => {
    const merged = mergeResults({ previous: [rowOf('bundle-size', yesterday), rowOf('single-write', yesterday)], current: [rowOf('late-joiner', today)], figures: FIGURES });
    expect(merged.map((r) => r.name)).toEqual(['single-write', 'late-joiner', 'bundle-size']);
  });

  it('replaces the old rows of a figure that threw with its error row', () => {
    const current = resultRows({ name: 'propagation', rows: [], error: 'Error: no server', seconds: 1 }, today);
    const merged = mergeResults({ previous: [rowOf('propagation', yesterday)], current, figures: FIGURES });
    expect(merged).toEqual(current);
  });

  it('drops rows of figures that no longer exist, rows without a name and anything that is not a row', () => {
    const previous = [rowOf('removed-figure', yesterday), { figure: 'single-write', pass: true }, null, 'x', 42, rowOf('single-write', yesterday)];
    expect(mergeResults({ previous, current: [], figures: FIGURES }).map((r) => r.name)).toEqual(['single-write']);
  });

  it('starts from nothing when there was no previous file', () => {
    expect(mergeResults({ previous: [], current: [rowOf('propagation', today)], figures: FIGURES })).toEqual([rowOf('propagation', today)]);
  });
});

describe('exitStatus', () => {
  it('is 0 when every row of this run passed', () => {
    expect(exitStatus([rowOf('single-write', today), rowOf('propagation', today)])).toBe(0);
  });

  it('is 1 when one row is over budget', () => {
    expect(exitStatus([rowOf('single-write', today), rowOf('propagation', today, false)])).toBe(1);
  });

  it('is 1 when a figure threw, even if every other figure passed', () => {
    const threw = resultRows({ name: 'late-joiner', rows: [], error: 'Error: boom', seconds: 1 }, today);
    expect(exitStatus([rowOf('single-write', today), ...threw])).toBe(1);
  });

  it('is 1 when the run produced no rows at all', () => {
    expect(exitStatus([])).toBe(1);
  });
});
