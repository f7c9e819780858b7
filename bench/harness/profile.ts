/**
 * CPU profiles of the bench page (`--profile`): the V8 sampling profiler over
 * CDP, saved as .cpuprofile (open in Chrome DevTools) and summarized as the
 * functions and source files with the most self time.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ClientPage } from './browser.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Profiler {
  /** Stops, writes `<base>.cpuprofile` (`<base>-<n>.cpuprofile` when page reloads split it), returns the summary. */
  stop(base: string): Promise<string>;
}

/**
 * Profiles the bench page until `stop`. A page reload ends V8's profile, so the
 * profiler stops before each reload and starts again after it; the summary
 * covers every part.
 */
export async function startProfiler(client: ClientPage): Promise<Profiler> {
  const session = await client.page.context().newCDPSession(client.page);
  const parts: CpuProfile[] = [];
  const start = async () => {
    await session.send('Profiler.enable');
    await session.send('Profiler.setSamplingInterval', { interval: 100 });
    await session.send('Profiler.start');
  };
  const collect = async () => {
    parts.push(((await session.send('Profiler.stop')) as unknown as { profile: CpuProfile }).profile);
  };
  await start();
  const remove = client.aroundReload(collect, start);
  return {
    async stop(base) {
      remove();
      await collect();
      await session.detach();
      await mkdir(dirname(base), { recursive: true });
      for (const [i, part] of parts.entries()) {
        await writeFile(parts.length === 1 ? `${base}.cpuprofile` : `${base}-${i + 1}.cpuprofile`, JSON.stringify(part));
      }
      return summarizeProfiles(parts);
    },
  };
}

/** `http://127.0.0.1:1234/src/store/write.js` → `src/store/write.js`. */
function fileOf(url: string): string {
  if (!url) return '(native)';
  try {
    return new URL(url).pathname.replace(/^\//, '');
  } catch {
    return url;
  }
}

function top(totals: Map<string, number>, all: number, count: number): string[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([key, us]) => `  ${(us / 1000).toFixed(1).padStart(9)} ms ${((100 * us) / all).toFixed(1).padStart(5)}%  ${key}`);
}

export function summarizeProfiles(profiles: readonly CpuProfile[], count = 25): string {
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let all = 0;
  for (const profile of profiles) {
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    profile.samples.forEach((id, i) => {
      const us = profile.timeDeltas[i] ?? 0;
      const frame = (byId.get(id) as ProfileNode).callFrame;
      const file = fileOf(frame.url);
      const fn = `${frame.functionName || '(anonymous)'}  ${file}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
      byFile.set(file, (byFile.get(file) ?? 0) + us);
      all += us;
    });
  }
  return [
    `self time by function (total ${(all / 1000).toFixed(0)} ms):`,
    ...top(byFunction, all, count),
    'self time by file:',
    ...top(byFile, all, 12),
  ].join('\n');
}
