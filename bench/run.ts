/**
 * `npm run bench [-- --quick] [-- --only a,b] [-- --profile] [-- --list]`
 *
 * Runs the figures, prints a Markdown table on stdout (progress goes to
 * stderr), merges this run's rows into bench/results/latest.json (results.ts)
 * and exits 1 when a budget fails or a figure throws (2 on a usage error or
 * a failure of the runner itself). See bench/README.md.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { startClient, type ClientPage } from './harness/browser.js';
import { startProfiler, type Profiler } from './harness/profile.js';
import { markdownTable, writeResults } from './harness/report.js';
import { exitStatus, resultRows, type FigureOutcome, type RunStamp } from './harness/results.js';
import type { Figure, FigureContext, FigureRow } from './harness/types.js';
import { figures } from './figures/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const resultsDir = join(root, 'bench/results');

/** A mistake in the command line: reported without a stack. */
class UsageError extends Error {}

function parseArgs(argv: readonly string[]) {
  const options = { quick: false, profile: false, list: false, only: [] as string[] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--quick') options.quick = true;
    else if (arg === '--profile') options.profile = true;
    else if (arg === '--list') options.list = true;
    else if (arg === '--only') options.only.push(...(argv[++i] ?? '').split(','));
    else if (arg.startsWith('--only=')) options.only.push(...arg.slice(7).split(','));
    else throw new UsageError(`Unknown argument ${arg}. Use --quick, --only <figure,…>, --profile or --list.`);
  }
  return options;
}

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const errorText = (err: unknown) => String((err as Error)?.stack ?? err);

type Options = ReturnType<typeof parseArgs>;

/** The commit the run measures; `+dirty` when src/ or bench/ differ from it (null outside a git checkout). */
function currentCommit(): string | null {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const dirty = git('status', '--porcelain', '--untracked-files=no', '--', 'src', 'bench') !== '';
    return `${git('rev-parse', 'HEAD')}${dirty ? '+dirty' : ''}`;
  } catch {
    return null;
  }
}

/** Runs one figure; with `--profile`, profiles the page from the figure's first use of it. */
async function runFigure(figure: Figure, options: Options, client: () => Promise<ClientPage>): Promise<FigureOutcome> {
  log(`${figure.name}: ${figure.title}${options.quick ? ' (quick)' : ''}`);
  const started = performance.now();
  let profiler: Promise<Profiler> | undefined;
  const ctx: FigureContext = {
    quick: options.quick,
    root,
    log,
    client: async () => {
      const page = await client();
      if (options.profile) await (profiler ??= startProfiler(page));
      return page;
    },
  };
  let rows: readonly FigureRow[] = [];
  let error: string | undefined;
  try {
    rows = await figure.run(ctx);
  } catch (err) {
    error = errorText(err);
    log(`${figure.name} failed: ${error}`);
  }
  if (profiler) {
    const base = join(resultsDir, figure.name);
    log(`${figure.name} profile → ${base}*.cpuprofile\n${await (await profiler).stop(base)}`);
  }
  const seconds = (performance.now() - started) / 1000;
  log(`${figure.name}: ${seconds.toFixed(1)} s`);
  return { name: figure.name, rows, seconds, ...(error !== undefined ? { error } : {}) };
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  if (options.list) {
    for (const f of figures) process.stdout.write(`${f.name.padEnd(16)} ${f.title}\n`);
    return 0;
  }
  const unknown = options.only.filter((name) => !figures.some((f) => f.name === name));
  if (unknown.length > 0) throw new UsageError(`No figure named ${unknown.join(', ')}; --list shows them.`);
  const selected = options.only.length > 0 ? figures.filter((f) => options.only.includes(f.name)) : figures;

  const started = performance.now();
  const stamp: RunStamp = { date: new Date().toISOString(), commit: currentCommit(), quick: options.quick };
  const outcomes: FigureOutcome[] = [];
  for (const figure of selected) {
    // Each figure gets a browser of its own on a fresh profile, so none measures what an earlier one left
    // behind (IndexedDB's background work after storage's 100,000 writes slowed propagation by a third).
    let page: Promise<ClientPage> | undefined;
    try {
      outcomes.push(await runFigure(figure, options, () => (page ??= startClient(root, log))));
    } finally {
      if (page) await page.then((p) => p.close(), () => undefined);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const errors = outcomes.flatMap((o) => (o.error !== undefined ? [{ figure: o.name, error: o.error }] : []));
  process.stdout.write(`${markdownTable(outcomes.flatMap((o) => o.rows), errors)}\n`);
  const current = outcomes.flatMap((o) => resultRows(o, stamp));
  await writeResults(join(resultsDir, 'latest.json'), current, { figures: figures.map((f) => f.name), date: stamp.date, seconds });
  const failed = current.filter((row) => !row.pass && row.error === undefined);
  log(`${current.length - errors.length} rows, ${failed.length} over budget, ${errors.length} errors, ${seconds.toFixed(0)} s`);
  return exitStatus(current);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(err instanceof UsageError ? err.message : errorText(err));
    process.exit(2);
  },
);
