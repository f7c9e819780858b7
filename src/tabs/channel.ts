/**
 * A small relay between the tabs that share one replica and library, over
 * BroadcastChannel. Messages are `{ kind, from, payload }`; every other tab
 * receives each one, a tab never its own. Anything that must reach the tab
 * holding the connection (join requests, presence) travels as its own `kind`;
 * tabs that are not meant to act on it ignore it.
 */

/** The BroadcastChannel constructor (injectable: Node has one, tests may wrap it). */
export type BroadcastChannelConstructor = new (name: string) => Pick<BroadcastChannel, 'postMessage' | 'close' | 'onmessage'>;

export type TabHandler = (payload: unknown, from: string) => void;

export interface TabChannel {
  /** This tab's id (one per createSync). */
  readonly tab: string;
  /** Sends to the other tabs of this replica and library. Does nothing once closed. */
  post(kind: string, payload?: unknown): void;
  /** Calls `handler` for every message of `kind` from another tab; returns the unsubscribe. */
  on(kind: string, handler: TabHandler): () => void;
  close(): void;
}

interface TabMessage {
  readonly kind: string;
  readonly from: string;
  readonly payload?: unknown;
}

const isTabMessage = (data: unknown): data is TabMessage =>
  typeof data === 'object' && data !== null && typeof (data as TabMessage).kind === 'string' && typeof (data as TabMessage).from === 'string';

export function createTabChannel(o: { name: string; tab: string; BroadcastChannel: BroadcastChannelConstructor }): TabChannel {
  const channel = new o.BroadcastChannel(o.name);
  const handlers = new Map<string, Set<TabHandler>>();
  let closed = false;
  channel.onmessage = (event: MessageEvent) => {
    const message: unknown = event.data;
    // Another version of the app may share the channel: what we cannot read is not for us.
    if (closed || !isTabMessage(message)) return;
    for (const handler of [...(handlers.get(message.kind) ?? [])]) handler(message.payload, message.from);
  };
  return {
    tab: o.tab,
    post(kind, payload) {
      if (!closed) channel.postMessage({ kind, from: o.tab, payload } satisfies TabMessage);
    },
    on(kind, handler) {
      const set = handlers.get(kind) ?? new Set();
      handlers.set(kind, set.add(handler));
      return () => void set.delete(handler);
    },
    close() {
      closed = true;
      handlers.clear();
      channel.close();
    },
  };
}
