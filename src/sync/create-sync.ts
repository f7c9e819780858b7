import { Subscription } from 'rxjs';
import { ErrorCode, TrellisError } from '../core/index.js';
import { CloseCode } from '../protocol/index.js';
import { getStoreHost, type Store } from '../store/index.js';
import { createEngine } from './engine.js';
import { createPartysocketTransport } from './transport-partysocket.js';
import type { Sync, SyncOptions } from './types.js';

const CLOSE_ERRORS: Record<number, ErrorCode> = {
  [CloseCode.AUTH_INVALID]: ErrorCode.AUTH_TOKEN_INVALID,
  [CloseCode.AUTH_EXPIRED]: ErrorCode.AUTH_TOKEN_EXPIRED,
  [CloseCode.AUTH_WRONG_LIBRARY]: ErrorCode.AUTH_WRONG_LIBRARY,
  [CloseCode.VERSION_MISMATCH]: ErrorCode.PROTOCOL_VERSION_MISMATCH,
  [CloseCode.POLICY_VIOLATION]: ErrorCode.PROTOCOL_INVALID_MESSAGE,
  [CloseCode.REPLICA_FORBIDDEN]: ErrorCode.AUTH_REPLICA_FORBIDDEN,
};

function checkOptions(options: SyncOptions): void {
  const problem =
    typeof options?.url !== 'string' || !/^(wss?|https?):\/\//.test(options.url)
      ? '`url` must be the server\'s ws:// or wss:// sync URL'
      : typeof options.library !== 'string' || options.library.length === 0
        ? '`library` must be a non-empty string'
        : options.token === undefined && options.getToken === undefined
          ? 'pass `token` or `getToken`'
          : undefined;
  if (problem) throw new TrellisError(ErrorCode.INVALID_ARGUMENT, `createSync: ${problem}.`);
}

/**
 * Connects a store to a sync server for one library.
 *
 *   const sync = createSync(store, { url, library: 'lib-1', token });
 *   sync.state.subscribe(({ phase, pending }) => badge(phase, pending));
 *   // phase 'join-required': ask the user, then
 *   await sync.join();
 */
export function createSync(store: Pick<Store, 'name' | 'replicaId'>, options: SyncOptions): Sync {
  checkOptions(options);
  const host = getStoreHost(store);
  const engine = createEngine({ host, library: options.library, autoJoin: options.autoJoin ?? 'when-nothing-at-risk' });
  const canRefresh = options.getToken !== undefined;
  const isFatal = (code: number) =>
    code === CloseCode.VERSION_MISMATCH ||
    code === CloseCode.POLICY_VIOLATION ||
    code === CloseCode.AUTH_WRONG_LIBRARY ||
    code === CloseCode.REPLICA_FORBIDDEN ||
    (!canRefresh && (code === CloseCode.AUTH_INVALID || code === CloseCode.AUTH_EXPIRED));
  const url = async () => {
    const token = options.getToken ? await options.getToken() : (options.token as string);
    return `${options.url.replace(/\/+$/, '')}/${encodeURIComponent(options.library)}?token=${encodeURIComponent(token)}`;
  };
  const transport = (options.transport ?? createPartysocketTransport)({ url, isFatal, WebSocket: options.WebSocket });
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
  subscriptions.add(
    host.pending.subscribe((pending) => {
      engine.state.next({ ...engine.state.value, pending });
      void engine.pump();
      void engine.refreshAtRisk();
    }),
  );
  subscriptions.add(host.localOps.subscribe(() => void engine.pump()));

  return {
    state: engine.state.asObservable(),
    join: () => engine.join(),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      subscriptions.unsubscribe();
      engine.stopped();
      transport.close();
      engine.onDisconnected('offline');
    },
  };
}
