/**
 * A link between two simulated servers, as peering makes it over a WebSocket: the dialing server's
 * `replicate()` on one end, the accepting server's `connect()` with a `server` token on the other,
 * and an ordered queue each way (a socket reorders nothing). The schedule cuts it (frames in flight
 * are lost, both ends see it closed) and mends it; a link that is down but not cut redials on the
 * next delivery, as Node's dialer does after its backoff. A server restart drops the link.
 */
import type { Prng } from 'trellis/testing';
import type { MemoryServer } from 'trellis/testing';
import type { Connection, ServerSocket } from 'trellis/server';

interface Open {
  readonly toAcceptor: string[];
  readonly toDialer: string[];
  dialer?: Connection;
  acceptor?: Connection;
}

export interface PeerPipe {
  readonly name: string;
  /** Events a delivery could make now: queued frames, or the redial of a link that is down and not cut. */
  pending(): number;
  /** Delivers one frame (a random direction, in order within it), or redials; false when there is nothing to do. */
  deliverOne(): boolean;
  /** The link goes down and stays down until `mend`. */
  cut(): void;
  mend(): void;
  readonly stats: { opened: number; cuts: number; frames: number };
}

export function createPeerPipe(o: { name: string; dialer: MemoryServer; acceptor: MemoryServer; library: string; token: string; prng: Prng }): PeerPipe {
  let open: Open | undefined;
  let isCut = false;
  const stats = { opened: 0, cuts: 0, frames: 0 };

  /** Both ends see the link closed; `skip` is an end whose server crashed (its old core is gone). */
  const drop = (skip?: 'dialer' | 'acceptor'): void => {
    const link = open;
    if (link === undefined) return;
    open = undefined;
    if (skip !== 'dialer') link.dialer?.closed();
    if (skip !== 'acceptor') link.acceptor?.closed();
  };
  const socket = (link: Open, queue: string[]): ServerSocket => ({
    send: (frame) => {
      if (open === link) queue.push(typeof frame === 'string' ? frame : new TextDecoder().decode(frame));
    },
    close: () => {
      if (open === link) drop();
    },
  });
  const dial = (): void => {
    const link: Open = { toAcceptor: [], toDialer: [] };
    open = link;
    stats.opened++;
    link.acceptor = o.acceptor.connect(socket(link, link.toDialer), { library: o.library, token: o.token });
    if (open !== link) return;
    link.dialer = o.dialer.server.replicate(socket(link, link.toAcceptor), { library: o.library });
  };
  o.dialer.onRestart(() => drop('dialer'));
  o.acceptor.onRestart(() => drop('acceptor'));

  return {
    name: o.name,
    stats,
    pending: () => (open === undefined ? (isCut ? 0 : 1) : open.toAcceptor.length + open.toDialer.length),
    deliverOne: () => {
      if (open === undefined) {
        if (isCut) return false;
        dial();
        return true;
      }
      const link = open;
      const directions = [link.toAcceptor, link.toDialer].filter((queue) => queue.length > 0);
      if (directions.length === 0) return false;
      const queue = directions[o.prng.int(directions.length)] as string[];
      const frame = queue.shift() as string;
      stats.frames++;
      (queue === link.toAcceptor ? link.acceptor : link.dialer)?.receive(frame);
      return true;
    },
    cut: () => {
      isCut = true;
      stats.cuts++;
      drop();
    },
    mend: () => {
      isCut = false;
    },
  };
}
