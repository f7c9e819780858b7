/**
 * A seeded, simulated network between sync clients (through the `Transport`
 * interface) and an in-process server: after Yjs's TestConnector. Every
 * connection is a link with two FIFO queues of frames. In `manual` delivery
 * nothing moves until the test calls `deliver…()`, which picks the next
 * event (an open, a frame, a close) with the seeded PRNG, so a schedule is
 * replayable from its seed; in `auto` delivery the event loop moves frames in
 * order, which makes a plain memory transport.
 *
 * Faults. `partition(name)` holds an endpoint's frames (delay); `sever(name)`
 * drops its connection with the frames in flight (the client sees 1006 and
 * reconnects). Per-frame `drop`, `duplicate` and `reorder` faults happen with
 * the configured probabilities. With `preserveOrder` (the default) such a
 * fault severs the connection at that frame, because that is all a WebSocket
 * can do: TCP never delivers a frame twice or out of order within one
 * connection, so lower-level loss, duplication or reordering surfaces as a
 * broken connection. With `preserveOrder: false` the frame really is dropped,
 * duplicated or swapped with the next one and the connection goes on: a lossy
 * datagram channel, for testing that a component is idempotent.
 */
import type { Transport, TransportFactory, TransportOptions } from '../sync/index.js';
import type { Connection } from '../server/core/index.js';
import type { Direction, Faults, Network, NetworkOptions } from './network-types.js';
import { createPrng } from './prng.js';

type Item = { readonly kind: 'frame'; readonly frame: string | Uint8Array } | { readonly kind: 'close'; readonly code: number; readonly reason: string };

interface Endpoint {
  readonly name: string;
  readonly options: TransportOptions;
  readonly onMessage: ((frame: string) => void)[];
  readonly onOpen: (() => void)[];
  readonly onClose: ((event: { code: number; reason: string }) => void)[];
  link: Link | undefined;
  closedByClient: boolean;
}

interface Link {
  readonly id: number;
  readonly endpoint: Endpoint;
  readonly library: string;
  readonly token: string | null;
  state: 'connecting' | 'open' | 'closed';
  /** The server generation this link was opened on. */
  generation: number;
  conn: Connection | undefined;
  readonly toServer: Item[];
  readonly toClient: Item[];
}

type Event = { readonly link: Link; readonly kind: 'open' } | { readonly link: Link; readonly kind: Direction };

const DEFAULT_FAULTS: Faults = { drop: 0, duplicate: 0, reorder: 0, preserveOrder: true, direction: 'both' };
const ABNORMAL_CLOSURE = 1006;

/**
 *   const network = createNetwork({ server: createMemoryServer(), seed: 42 });
 *   const sync = createSync(store, { url: 'ws://memory', library, token, transport: network.transport('a') });
 *   network.deliver(100);
 */
export function createNetwork(options: NetworkOptions): Network {
  const prng = createPrng(options.seed ?? 1);
  const auto = options.delivery === 'auto';
  let faults: Faults = { ...DEFAULT_FAULTS, ...options.faults };
  const links = new Set<Link>();
  const partitioned = new Set<string>();
  const stats = { delivered: 0, dropped: 0, duplicated: 0, reordered: 0, severed: 0, opened: 0 };
  let nextLink = 1;
  let closed = false;

  const unsubscribe = options.server.onRestart((generation) => {
    // The old process is gone: its connections die without close frames.
    for (const link of [...links]) if (link.generation < generation && link.state !== 'connecting') sever(link, { notifyServer: false });
  });

  function deliverable(link: Link): Event[] {
    if (partitioned.has(link.endpoint.name) || link.state === 'closed') return [];
    if (link.state === 'connecting') return [{ link, kind: 'open' }];
    const events: Event[] = [];
    if (link.toServer.length > 0) events.push({ link, kind: 'to-server' });
    if (link.toClient.length > 0) events.push({ link, kind: 'to-client' });
    return events;
  }

  function allDeliverable(): Event[] {
    return [...links].flatMap(deliverable);
  }

  let kicked = false;
  /** Auto delivery: one macrotask delivers the head of every deliverable queue, then comes back while any remain. */
  function kick(): void {
    if (!auto || kicked || closed) return;
    kicked = true;
    setImmediate(() => {
      kicked = false;
      if (closed) return;
      for (const event of allDeliverable()) run(event);
      if (allDeliverable().length > 0) kick();
    });
  }

  /** Delivers one event if it is still deliverable. */
  function run(event: Event): void {
    const { link } = event;
    if (link.state === 'closed') return;
    if (event.kind === 'open') {
      if (link.state === 'connecting') open(link);
      return;
    }
    const queue = event.kind === 'to-server' ? link.toServer : link.toClient;
    if (queue.length === 0 || link.state !== 'open') return;
    const item = applyFaults(link, queue);
    if (item === undefined) return;
    stats.delivered++;
    if (event.kind === 'to-server') deliverToServer(link, item);
    else deliverToClient(link, item);
  }

  /** The item to deliver now (taken off the queue), or undefined when a fault consumed it. */
  function applyFaults(link: Link, queue: Item[]): Item | undefined {
    const head = queue[0] as Item;
    if (head.kind === 'close') return queue.shift();
    const direction: Direction = queue === link.toServer ? 'to-server' : 'to-client';
    if (faults.direction !== 'both' && faults.direction !== direction) return queue.shift();
    const roll = prng.next();
    const fault = roll < faults.drop ? 'drop' : roll < faults.drop + faults.duplicate ? 'duplicate' : roll < faults.drop + faults.duplicate + faults.reorder ? 'reorder' : undefined;
    if (fault === undefined) return queue.shift();
    if (faults.preserveOrder) {
      sever(link, { notifyServer: true });
      return undefined;
    }
    if (fault === 'drop') {
      stats.dropped++;
      queue.shift();
      return undefined;
    }
    if (fault === 'duplicate') {
      stats.duplicated++;
      return head;
    }
    const next = queue[1];
    if (next === undefined || next.kind === 'close') return queue.shift();
    stats.reordered++;
    queue.splice(1, 1);
    return next;
  }

  function open(link: Link): void {
    link.state = 'open';
    link.generation = options.server.generation;
    stats.opened++;
    const endpoint = link.endpoint;
    link.conn = options.server.connect(
      {
        send: (frame) => enqueue(link, 'to-client', { kind: 'frame', frame }),
        close: (code, reason) => enqueue(link, 'to-client', { kind: 'close', code, reason }),
      },
      { library: link.library, token: link.token },
    );
    for (const listener of endpoint.onOpen) listener();
  }

  function enqueue(link: Link, direction: Direction, item: Item): void {
    if (link.state === 'closed') return;
    const queue = direction === 'to-server' ? link.toServer : link.toClient;
    // Nothing follows a close on the same side.
    if (queue.at(-1)?.kind === 'close') return;
    if (item.kind === 'frame') options.tap?.({ endpoint: link.endpoint.name, link: link.id, direction, frame: item.frame });
    queue.push(item);
    kick();
  }

  function deliverToServer(link: Link, item: Item): void {
    if (item.kind === 'frame') {
      if (link.generation === options.server.generation) link.conn?.receive(item.frame);
      return;
    }
    // The client's close reached the server.
    finish(link);
    if (link.generation === options.server.generation) link.conn?.closed();
  }

  function deliverToClient(link: Link, item: Item): void {
    const endpoint = link.endpoint;
    if (item.kind === 'frame') {
      const frame = typeof item.frame === 'string' ? item.frame : new TextDecoder().decode(item.frame);
      for (const listener of endpoint.onMessage) listener(frame);
      return;
    }
    // The server closed; the adapter reports it to the core (a no-op after a server-side close).
    finish(link);
    if (link.generation === options.server.generation) link.conn?.closed();
    closedOnClient(link, { code: item.code, reason: item.reason });
  }

  function finish(link: Link): void {
    link.state = 'closed';
    link.toServer.length = 0;
    link.toClient.length = 0;
    links.delete(link);
  }

  function sever(link: Link, o: { notifyServer: boolean }): void {
    if (link.state === 'closed') return;
    const wasConnecting = link.state === 'connecting';
    stats.severed++;
    finish(link);
    if (o.notifyServer && !wasConnecting && link.generation === options.server.generation) link.conn?.closed();
    closedOnClient(link, { code: ABNORMAL_CLOSURE, reason: 'connection lost' });
  }

  function closedOnClient(link: Link, event: { code: number; reason: string }): void {
    const endpoint = link.endpoint;
    if (endpoint.link !== link) return;
    endpoint.link = undefined;
    if (endpoint.closedByClient) return;
    for (const listener of endpoint.onClose) listener(event);
    if (!endpoint.options.isFatal(event.code)) connect(endpoint);
  }

  /** A connection attempt: the URL (with a fresh token) first, then an `open` event waits for delivery. */
  function connect(endpoint: Endpoint): void {
    if (closed || endpoint.closedByClient) return;
    const placeholder: Link = {
      id: nextLink++,
      endpoint,
      library: '',
      token: null,
      state: 'closed',
      generation: 0,
      conn: undefined,
      toServer: [],
      toClient: [],
    };
    endpoint.link = placeholder;
    void endpoint.options.url().then(
      (url) => {
        if (endpoint.link !== placeholder || endpoint.closedByClient || closed) return;
        const parsed = new URL(url);
        const library = decodeURIComponent(parsed.pathname.split('/').filter(Boolean).at(-1) ?? '');
        const link: Link = { ...placeholder, library, token: parsed.searchParams.get('token'), state: 'connecting' };
        endpoint.link = link;
        links.add(link);
        kick();
      },
      () => {
        // No token: the attempt fails like a refused connection; try again.
        if (endpoint.link === placeholder) endpoint.link = undefined;
        if (!endpoint.closedByClient && !closed) setImmediate(() => connect(endpoint));
      },
    );
  }

  function transport(name: string): TransportFactory {
    return (transportOptions) => {
      const endpoint: Endpoint = { name, options: transportOptions, onMessage: [], onOpen: [], onClose: [], link: undefined, closedByClient: false };
      const client: Transport = {
        send: (frame) => {
          const link = endpoint.link;
          // Like the WebSocket transport, which has no send queue: frames sent while not open are dropped.
          if (link?.state === 'open') enqueue(link, 'to-server', { kind: 'frame', frame });
        },
        onMessage: (listener) => void endpoint.onMessage.push(listener),
        onOpen: (listener) => void endpoint.onOpen.push(listener),
        onClose: (listener) => void endpoint.onClose.push(listener),
        // Like a dropped connection (1006): the client reconnects.
        reconnect: () => {
          const link = endpoint.link;
          if (link !== undefined && !endpoint.closedByClient) sever(link, { notifyServer: true });
        },
        close: () => {
          if (endpoint.closedByClient) return;
          endpoint.closedByClient = true;
          const link = endpoint.link;
          endpoint.link = undefined;
          if (link === undefined) return;
          if (link.state === 'open') {
            link.toClient.length = 0;
            enqueue(link, 'to-server', { kind: 'close', code: 1000, reason: 'sync stopped' });
          } else finish(link);
          for (const listener of endpoint.onClose) listener({ code: 1000, reason: 'sync stopped' });
        },
      };
      connect(endpoint);
      return client;
    };
  }

  const endpointLinks = (name: string) => [...links].filter((link) => link.endpoint.name === name);

  const network: Network = {
    prng,
    transport,
    pending: () => allDeliverable().length,
    deliverOne() {
      const events = allDeliverable();
      if (events.length === 0) return false;
      run(prng.pick(events));
      return true;
    },
    deliver(n) {
      let count = 0;
      while (count < n && network.deliverOne()) count++;
      return count;
    },
    deliverNext(name, direction) {
      const link = endpointLinks(name).find((l) => l.endpoint.link === l) ?? endpointLinks(name)[0];
      if (link === undefined || link.state === 'closed') return false;
      if (link.state === 'connecting') {
        if (direction !== undefined) return false;
        run({ link, kind: 'open' });
        return true;
      }
      const kind = direction ?? (link.toClient.length > 0 ? 'to-client' : 'to-server');
      if ((kind === 'to-server' ? link.toServer : link.toClient).length === 0) return false;
      run({ link, kind });
      return true;
    },
    queued(name, direction) {
      const link = endpointLinks(name).find((l) => l.endpoint.link === l);
      const queue = link === undefined ? [] : direction === 'to-server' ? link.toServer : link.toClient;
      return queue.flatMap((item) => (item.kind === 'frame' ? [item.frame] : []));
    },
    sever(name) {
      for (const link of endpointLinks(name)) sever(link, { notifyServer: true });
    },
    partition: (name) => void partitioned.add(name),
    heal(name) {
      const names = name === undefined ? [...partitioned] : [name];
      for (const healed of names) partitioned.delete(healed);
      kick();
    },
    isPartitioned: (name) => partitioned.has(name),
    setFaults(next) {
      faults = { ...faults, ...next };
    },
    isConnected: (name) => endpointLinks(name).some((link) => link.state === 'open' && link.endpoint.link === link),
    get stats() {
      return { ...stats };
    },
    close() {
      closed = true;
      unsubscribe();
      for (const link of [...links]) {
        finish(link);
        if (link.generation === options.server.generation) link.conn?.closed();
      }
    },
  };
  return network;
}
