/**
 * The networks of several simulated servers (one per server, each carrying its own replicas'
 * connections) and the peer links between the servers, seen as one Network: the world's actions
 * and the drain (check.ts) address a replica by name and reach its server's network; a delivery
 * picks one event among every network and link. Healing everything mends the cut links too.
 */
import { createPrng } from 'trellis/testing';
import type { Faults, Network, NetworkStats } from 'trellis/testing';
import type { PeerPipe } from './peer-pipe.js';

export function combineNetworks(o: { networks: readonly Network[]; homeOf: (name: string) => number; pipes: readonly PeerPipe[]; seed: number }): Network {
  const prng = createPrng(o.seed);
  const of = (name: string) => o.networks[o.homeOf(name)] as Network;
  const sources = (): { pending(): number; deliverOne(): boolean }[] => [...o.networks, ...o.pipes];
  const deliverOne = (): boolean => {
    const ready = sources().filter((source) => source.pending() > 0);
    if (ready.length === 0) return false;
    // Weighted by what is waiting, so a busy network is not starved by an idle link.
    let pick = prng.int(ready.reduce((sum, source) => sum + source.pending(), 0));
    for (const source of ready) {
      pick -= source.pending();
      if (pick < 0) return source.deliverOne();
    }
    return (ready.at(-1) as { deliverOne(): boolean }).deliverOne();
  };
  const sum = (key: keyof NetworkStats) => o.networks.reduce((total, network) => total + network.stats[key], 0);
  return {
    prng,
    transport: (name) => of(name).transport(name),
    pending: () => sources().reduce((total, source) => total + source.pending(), 0),
    deliverOne,
    deliver: (n) => {
      let delivered = 0;
      while (delivered < n && deliverOne()) delivered++;
      return delivered;
    },
    deliverNext: (name, direction) => of(name).deliverNext(name, direction),
    queued: (name, direction) => of(name).queued(name, direction),
    sever: (name) => of(name).sever(name),
    partition: (name) => of(name).partition(name),
    heal: (name) => {
      if (name !== undefined) return of(name).heal(name);
      for (const network of o.networks) network.heal();
      for (const pipe of o.pipes) pipe.mend();
    },
    isPartitioned: (name) => of(name).isPartitioned(name),
    setFaults: (faults: Partial<Faults>) => o.networks.forEach((network) => network.setFaults(faults)),
    isConnected: (name) => of(name).isConnected(name),
    get stats(): NetworkStats {
      return { delivered: sum('delivered'), dropped: sum('dropped'), duplicated: sum('duplicated'), reordered: sum('reordered'), severed: sum('severed'), opened: sum('opened') };
    },
    close: () => o.networks.forEach((network) => network.close()),
  };
}
