/** The network simulator's public types (see network.ts). */
import type { TransportFactory } from '../sync/index.js';
import type { MemoryServer } from './memory-server.js';
import type { Prng } from './prng.js';

export interface Faults {
  /** Probability that a delivered frame is lost. */
  readonly drop: number;
  /** Probability that a delivered frame arrives twice. */
  readonly duplicate: number;
  /** Probability that a delivered frame swaps places with the one behind it. */
  readonly reorder: number;
  /** True (default): a fault severs the connection instead (what a WebSocket surfaces). */
  readonly preserveOrder: boolean;
  /** Which frames the faults hit. Default both directions. */
  readonly direction: Direction | 'both';
}

export type Direction = 'to-server' | 'to-client';

export interface FrameEvent {
  /** The endpoint's name (see `transport(name)`). */
  readonly endpoint: string;
  readonly link: number;
  readonly direction: Direction;
  readonly frame: string | Uint8Array;
}

export interface NetworkOptions {
  readonly server: MemoryServer;
  /** Seeds every random choice. Default 1. */
  readonly seed?: number;
  /** 'manual' (default): only `deliver…()` moves frames. 'auto': the event loop does, in order. */
  readonly delivery?: 'manual' | 'auto';
  readonly faults?: Partial<Faults>;
  /** Sees every frame when it is sent (before any fault), e.g. to record what the server acknowledged. */
  readonly tap?: (event: FrameEvent) => void;
}

export interface NetworkStats {
  readonly delivered: number;
  readonly dropped: number;
  readonly duplicated: number;
  readonly reordered: number;
  readonly severed: number;
  readonly opened: number;
}

export interface Network {
  readonly prng: Prng;
  /** A transport factory for `createSync({ transport })`; `name` identifies the endpoint for faults and partitions. */
  transport(name: string): TransportFactory;
  /** Events that a `deliverOne()` could pick now (partitioned endpoints excluded). */
  pending(): number;
  /** Delivers one event picked at random; false when none is deliverable. */
  deliverOne(): boolean;
  /** Delivers up to `n` events; returns how many were delivered. */
  deliver(n: number): number;
  /**
   * Delivers the endpoint's next event in `direction` (or its pending open when
   * connecting and no direction is given), ignoring partitions; false when there is none.
   */
  deliverNext(name: string, direction?: Direction): boolean;
  /** The frames waiting on the endpoint's current connection in `direction`, oldest first. */
  queued(name: string, direction: Direction): (string | Uint8Array)[];
  /** Cuts the endpoint's connection now: frames in flight are lost, both sides see it closed. */
  sever(name: string): void;
  /** While partitioned, the endpoint's frames and connection attempts wait (they are delivered after `heal`). */
  partition(name: string): void;
  heal(name?: string): void;
  isPartitioned(name: string): boolean;
  setFaults(faults: Partial<Faults>): void;
  /** True when some endpoint's connection is open (not connecting, not closed). */
  isConnected(name: string): boolean;
  readonly stats: NetworkStats;
  /** Closes every link and stops reconnecting (end of a test). */
  close(): void;
}
