/**
 * The Worker the tests run under miniflare: the real router and TrellisLibrary,
 * with test controls that production code never has, under /__test/: a clock
 * shared by the Worker and every object, captured logs, SQL reads of one
 * library's object, compact, evict, and how many times an object was created
 * (a woken, hibernated object is a new instance). One isolate runs the Worker
 * and every object, so this module's state is shared by all of them.
 */
import { TrellisLibrary, createTrellisWorker, serverLibrary } from '../../../src/server/cloudflare/index.js';
import { isTrellisError } from '../../../src/core/index.js';
import type { TrellisEnv } from '../../../src/server/cloudflare/index.js';
import type { EvictOptions, LogLevel, ProfileSource, ServerApiCall, WriteRules } from '../../../src/server/core/index.js';
import type { Schema } from '../../../src/schema/index.js';
import { serverRules, serverSchema } from '../authority.js';
import { testProfiles } from '../test-profiles.js';

interface LogEntry {
  readonly level: string;
  readonly event: string;
  readonly fields: Record<string, unknown>;
}

let clock: number | undefined;
const logs: LogEntry[] = [];
const instances = new Map<string, number>();
const now = (): number => clock ?? Date.now();

export class TestLibrary extends TrellisLibrary {
  constructor(ctx: DurableObjectState, env: TrellisEnv) {
    super(ctx, env);
    const name = ctx.id.name ?? '';
    instances.set(name, (instances.get(name) ?? 0) + 1);
  }

  protected override now(): number {
    return now();
  }

  protected override profiles(): ProfileSource {
    return testProfiles;
  }

  /** authority.ts's schema and rules when the Worker runs with TEST_AUTHORITY (StartOptions.authority). */
  protected override schema(): Schema | undefined {
    return (this.env as { TEST_AUTHORITY?: string }).TEST_AUTHORITY === '1' ? serverSchema : undefined;
  }

  protected override rules(): WriteRules | undefined {
    return (this.env as { TEST_AUTHORITY?: string }).TEST_AUTHORITY === '1' ? serverRules : undefined;
  }

  protected override log(level: LogLevel, event: string, fields: Record<string, unknown>): void {
    logs.push({ level, event, fields: { library: this.name, ...fields } });
  }

  /** Rows of one statement on this object's SQLite (after the core created its tables). */
  query(sql: string, params: (string | number | null)[]): Record<string, SqlStorageValue>[] {
    this.stats();
    return this.ctx.storage.sql.exec(sql, ...params).toArray();
  }

  /** The pending alarm's time, or null. */
  async pendingAlarm(): Promise<number | null> {
    return this.ctx.storage.getAlarm();
  }
}

interface TestEnv extends TrellisEnv {
  readonly TRELLIS: DurableObjectNamespace<TestLibrary>;
}

const worker = createTrellisWorker({ now, log: (level, event, fields) => void logs.push({ level, event, fields }) });

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname.startsWith('/__test/')) return control(url, request, env);
    return (worker.fetch as NonNullable<typeof worker.fetch>)(request, env, ctx);
  },
} satisfies ExportedHandler<TestEnv>;

async function control(url: URL, request: Request, env: TestEnv): Promise<Response> {
  const body = (request.method === 'POST' ? await request.json() : {}) as { library: string; now?: number; sql?: string; params?: (string | number | null)[]; options?: EvictOptions };
  const library = () => env.TRELLIS.get(env.TRELLIS.idFromName(body.library));
  switch (url.pathname) {
    case '/__test/clock':
      clock = body.now;
      return Response.json(null);
    case '/__test/logs':
      return Response.json(logs);
    case '/__test/instances':
      return Response.json(instances.get(body.library) ?? 0);
    case '/__test/query':
      return Response.json(await library().query(body.sql as string, body.params ?? []));
    case '/__test/compact':
      return Response.json(await library().compact());
    case '/__test/evict':
      await library().evict(body.options);
      return Response.json(null);
    case '/__test/collect-files':
      return Response.json(await library().collectFiles());
    case '/__test/alarm':
      return Response.json(await library().pendingAlarm());
    case '/__test/server-api':
      return Response.json(await serverApiThroughRpc(env, body.library, (body as unknown as { call: ServerApiCall }).call));
    default:
      // /__test/direct/<library>: the object itself, skipping the Worker's token check.
      return direct(url, request, env);
  }
}

function direct(url: URL, request: Request, env: TestEnv): Response | Promise<Response> {
  const match = /^\/__test\/direct\/([^/]+)$/.exec(url.pathname);
  if (match === null) return new Response(null, { status: 404 });
  const name = decodeURIComponent(match[1] as string);
  return env.TRELLIS.get(env.TRELLIS.idFromName(name)).fetch(request);
}

/** A server API call as a Worker makes it (serverLibrary over the object's RPC), its refusal turned back into data for the test. */
async function serverApiThroughRpc(env: TestEnv, library: string, call: ServerApiCall): Promise<unknown> {
  const collection = serverLibrary(env.TRELLIS, library).collection(call.collection) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  try {
    const method = collection[call.method];
    if (method === undefined) throw new Error(`no method ${call.method}`);
    return { ok: true, value: (await method(...call.args)) ?? null };
  } catch (err) {
    if (!isTrellisError(err)) throw err;
    return { ok: false, code: err.code, message: err.message, details: err.details };
  }
}
