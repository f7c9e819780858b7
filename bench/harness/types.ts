/**
 * The contract between the runner and a figure. A figure is one module in
 * bench/figures/ that measures Trellis (the subject) beside its limit (the
 * fastest thing that could do the same job: raw Dexie for client figures) and
 * returns one or more rows. The runner checks each row against its budget.
 */
import type { ClientPage } from './browser.js';

/** Which way is good: throughput is `higher`, latency and size are `lower`. */
export type Better = 'higher' | 'lower';

/**
 * A budget: every rule given must hold. `minRatio`/`maxRatio` compare the
 * medians (subject median ÷ limit median); `maxP95Ratio`/`maxP99Ratio`
 * compare the tails (subject p95 ÷ limit p95, subject p99 ÷ limit p99), each
 * side's tail taken from its own samples of the same interleaved run. The
 * absolute rules (`maxMedian`, `maxP95`, `maxP99`) are for figures that do not
 * move with the machine (bytes, memory): every client and network time is a
 * ratio (bench/README.md).
 */
export interface Budget {
  readonly minRatio?: number;
  readonly maxRatio?: number;
  readonly maxP95Ratio?: number;
  readonly maxP99Ratio?: number;
  readonly maxMedian?: number;
  readonly maxP95?: number;
  readonly maxP99?: number;
}

/** Median and tail of one side's samples (for `higher` units the tail is the low end). */
export interface Summary {
  readonly n: number;
  readonly median: number;
  readonly p95: number;
  readonly p99: number;
}

export interface FigureRow {
  readonly figure: string;
  readonly unit: string;
  readonly better: Better;
  readonly subject: Summary;
  /** What the subject is measured against, or undefined for absolute figures (bundle size). */
  readonly limit?: Summary & { readonly what: string };
  readonly budget: Budget;
  /** Facts a reader needs to trust the number (method, sizes, alternative measures). */
  readonly notes?: string;
}

export interface FigureContext {
  /** `--quick`: fewer samples and smaller workloads, same budgets. */
  readonly quick: boolean;
  /** Repository root (absolute). */
  readonly root: string;
  /** The bench page in real Chromium, started on first use and shared by all figures. */
  client(): Promise<ClientPage>;
  /** Progress for humans, on stderr so stdout stays the table. */
  log(message: string): void;
}

export interface Figure {
  /** kebab-case, used by `--only`. */
  readonly name: string;
  /** One line for README and `--list`. */
  readonly title: string;
  run(ctx: FigureContext): Promise<readonly FigureRow[]>;
}
