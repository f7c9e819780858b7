/**
 * The browser APIs behind shared tabs, for Node: an in-memory Web Locks
 * manager (exclusive locks, queueing, `signal`, `steal`, as the spec says)
 * and "tabs" that can be halted, as a tab whose main thread hangs: its lock
 * callbacks, lock settlements and channel messages wait until it resumes;
 * everything else in the process keeps running. (A page Chromium freezes is
 * different: it still receives channel messages, but runs no timers. The
 * browser test, test/e2e/tabs.test.ts, freezes real pages.)
 */
import type { BroadcastChannelConstructor, TabLocks } from 'trellis/tabs';

const abortError = () => new DOMException('The lock request was aborted.', 'AbortError');

interface Request {
  readonly run: () => void;
  readonly fail: (err: unknown) => void;
}

/** One lock manager, shared by every tab of an origin. */
export function createWebLocks() {
  const held = new Map<string, Request>();
  const queues = new Map<string, Request[]>();
  const queueOf = (name: string) => queues.get(name) ?? (queues.set(name, []), queues.get(name)!);

  const next = (name: string) => {
    if (held.has(name)) return;
    const request = queueOf(name).shift();
    if (!request) return;
    held.set(name, request);
    request.run();
  };

  const request: TabLocks['request'] = (name, options, callback) =>
    new Promise<unknown>((resolve, reject) => {
      if (options.signal?.aborted) return reject(abortError());
      let settled = false;
      const entry: Request = {
        run: () => {
          void Promise.resolve()
            .then(() => callback({ name, mode: 'exclusive' }))
            .then(
              (value) => {
                if (held.get(name) === entry) held.delete(name), next(name);
                if (!settled) (settled = true), resolve(value);
              },
              (err: unknown) => {
                if (held.get(name) === entry) held.delete(name), next(name);
                if (!settled) (settled = true), reject(err);
              },
            );
        },
        fail: (err) => {
          if (!settled) (settled = true), reject(err);
        },
      };
      options.signal?.addEventListener('abort', () => {
        const queue = queueOf(name);
        if (!queue.includes(entry)) return;
        queue.splice(queue.indexOf(entry), 1);
        entry.fail(abortError());
      });
      if (options.steal) {
        const holder = held.get(name);
        held.delete(name);
        holder?.fail(abortError());
        queueOf(name).unshift(entry);
      } else {
        queueOf(name).push(entry);
      }
      next(name);
    });
  return { request, holds: (name: string) => held.has(name) };
}

/** Runs tasks at once, or holds them while halted and runs them in order on resume. */
function createGate() {
  let held: (() => void)[] | undefined;
  return {
    run: (task: () => void) => (held ? held.push(task) : task()),
    halt: () => void (held ??= []),
    resume: () => {
      const tasks = held ?? [];
      held = undefined;
      for (const task of tasks) task();
    },
  };
}

/** One tab: its view of the origin's locks and BroadcastChannel, both halted together. */
export function createTab(locks: ReturnType<typeof createWebLocks>) {
  const gate = createGate();
  const tabLocks: TabLocks = {
    request: (name, options, callback) =>
      new Promise((resolve, reject) => {
        void locks
          .request(name, options, (lock) => new Promise((done, fail) => gate.run(() => Promise.resolve(callback(lock)).then(done, fail))))
          .then(
            (value) => gate.run(() => resolve(value)),
            (err: unknown) => gate.run(() => reject(err)),
          );
      }),
  };
  class GatedChannel {
    readonly #inner: BroadcastChannel;
    onmessage: ((event: MessageEvent) => void) | null = null;
    constructor(name: string) {
      this.#inner = new BroadcastChannel(name);
      this.#inner.onmessage = (event) => gate.run(() => this.onmessage?.(event as MessageEvent));
    }
    postMessage(message: unknown): void {
      gate.run(() => this.#inner.postMessage(message));
    }
    close(): void {
      this.#inner.close();
    }
  }
  return { locks: tabLocks, BroadcastChannel: GatedChannel as unknown as BroadcastChannelConstructor, halt: gate.halt, resume: gate.resume };
}
