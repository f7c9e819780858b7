/**
 * One engine and connection, run by this tab: the transport (a reconnecting
 * WebSocket by default, transport-websocket.ts) with a fresh token per attempt, close codes turned into the sync
 * state's errors, the store's commits and pending count fed to the engine,
 * and the installed plugins' part in the connection.
 */
import { BehaviorSubject, Subscription, combineLatest, map } from 'rxjs';
import { ErrorCode } from '../core/index.js';
import { CloseCode, parseQuery, type PresenceUpdateMessage } from '../protocol/index.js';
import type { StoreHost } from '../store/index.js';
import { readAtRisk } from './at-risk.js';
import { createEngine } from './engine.js';
import type { InstalledPlugins } from './plugin.js';
import { chooseTransport } from './transport-choice.js';
import type { LeaderSync, SyncOptions } from './types.js';

const CLOSE_ERRORS: Record<number, ErrorCode> = {
  [CloseCode.AUTH_INVALID]: ErrorCode.AUTH_TOKEN_INVALID,
  [CloseCode.AUTH_EXPIRED]: ErrorCode.AUTH_TOKEN_EXPIRED,
  [CloseCode.AUTH_WRONG_LIBRARY]: ErrorCode.AUTH_WRONG_LIBRARY,
  [CloseCode.VERSION_MISMATCH]: ErrorCode.PROTOCOL_VERSION_MISMATCH,
  [CloseCode.POLICY_VIOLATION]: ErrorCode.PROTOCOL_INVALID_MESSAGE,
  [CloseCode.REPLICA_FORBIDDEN]: ErrorCode.AUTH_REPLICA_FORBIDDEN,
  [CloseCode.SCHEMA_OUTDATED]: ErrorCode.SYNC_SCHEMA_OUTDATED,
};

/**
 * Asks getToken for a token. A failure is shown as SYNC_TOKEN_UNAVAILABLE and
 * rethrown: the transport then tries again with its backoff (it reports no
 * close for an attempt that never got a URL, so without this the
 * phase stayed `connecting` with no error).
 */
async function fetchToken(getToken: () => Promise<string> | string, report: (error: { code: string; message: string }) => void): Promise<string> {
  try {
    return await getToken();
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    report({ code: ErrorCode.SYNC_TOKEN_UNAVAILABLE, message: `getToken failed (${reason}); retrying with backoff.` });
    throw err;
  }
}

/** One engine and connection, run by this tab. */
export function startSync(host: StoreHost, options: SyncOptions, plugins: InstalledPlugins): LeaderSync {
  const autoJoin = options.autoJoin ?? 'when-nothing-at-risk';
  const presenceListeners: ((message: PresenceUpdateMessage) => void)[] = [];
  const query = parseQuery(options.query, 'createSync: `query`');
  const engine = createEngine({ host, library: options.library, autoJoin, query, onPresence: (message) => presenceListeners.forEach((listener) => listener(message)) });
  const canRefresh = options.getToken !== undefined;
  const isFatal = (code: number) =>
    code === CloseCode.VERSION_MISMATCH ||
    code === CloseCode.POLICY_VIOLATION ||
    code === CloseCode.AUTH_WRONG_LIBRARY ||
    code === CloseCode.REPLICA_FORBIDDEN ||
    code === CloseCode.SCHEMA_OUTDATED ||
    (!canRefresh && (code === CloseCode.AUTH_INVALID || code === CloseCode.AUTH_EXPIRED));
  const url = async () => {
    const token = options.getToken ? await fetchToken(options.getToken, engine.report) : (options.token as string);
    return `${options.url.replace(/\/+$/, '')}/${encodeURIComponent(options.library)}?token=${encodeURIComponent(token)}`;
  };
  const chosen = chooseTransport(options.transport);
  const transport = chosen.factory({ url, isFatal, WebSocket: options.WebSocket });
  const kind = new BehaviorSubject(chosen.kind);
  transport.onTransport?.((next) => kind.next(next));
  engine.attach(transport);
  let stopped = false;
  transport.onClose(({ code, reason }) => {
    if (stopped) return;
    const fatal = isFatal(code);
    const errorCode = CLOSE_ERRORS[code];
    // The close reason is just the code; the error frame sent before the close says what to do.
    const said = engine.state.value.error;
    const error = errorCode ? { code: errorCode, message: said?.code === errorCode ? said.message : reason || `Connection closed (${code}).` } : undefined;
    // Auth and protocol refusals show as 'error' even while a getToken-based retry is under way.
    engine.onDisconnected(fatal || error ? 'error' : 'offline', error);
  });
  const subscriptions = new Subscription();
  subscriptions.add(host.pending.subscribe((pending) => void engine.pending(pending)));
  // Synchronous: the store announces a commit before the write's promise resolves, so pending counts it by then.
  subscriptions.add(host.localOps.subscribe((ops) => void engine.committed(ops)));
  // Presence, file uploads, ...: whatever the installed plugins do with a connection.
  const endPlugins = plugins.connect({
    host,
    state: engine.state,
    report: (error) => engine.report(error),
    sendPresence: (state) => engine.sendPresence(state),
    onPresence: (listener) => void presenceListeners.push(listener),
  });

  return {
    // The engine never knows its transport; the state says which runs.
    state: combineLatest([engine.state, kind]).pipe(map(([state, transport]) => (transport === undefined ? state : { ...state, transport }))),
    join: () => engine.join(),
    // Checked before anything changes: a malformed query rejects with INVALID_ARGUMENT.
    setQuery: async (next) => engine.setQuery(parseQuery(next, 'setQuery: the query')),
    flushed: () => engine.flushed(),
    atRisk: () => readAtRisk(host),
    rejections: engine.rejections,
    acknowledged: engine.acknowledged,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      subscriptions.unsubscribe();
      endPlugins();
      engine.stopped();
      transport.close();
      engine.onDisconnected('offline');
    },
  };
}
