/** What the server's parts share: injected dependencies and the live connections. Internal. */
import type { Baseline, IdGenerator, JsonObject, Op, TrellisError } from '../../core/index.js';
import type { CloseCode, Frame, Query } from '../../protocol/index.js';
import type { Authority } from './check-write.js';
import type { DocCache } from './doc-cache.js';
import type { ProfileCache } from './profiles.js';
import type { Claims, Log, Phase, Profile, ServerSocket, SqlStorage, SyncLimits, VerifyToken } from './types.js';

export type { Phase } from './types.js';

/** Seed chunks received so far; nothing is stored before the last one. */
export interface SeedBuffer {
  readonly baselines: Baseline[];
  readonly ops: Op[];
  bytes: number;
}

export interface ConnectionState {
  /** The server this connection belongs to. */
  readonly ctx: ServerContext;
  readonly id: number;
  readonly library: string;
  readonly socket: ServerSocket;
  phase: Phase;
  claims: Claims | undefined;
  /** From hello; replaced by join's new id. */
  replicaId: string | undefined;
  /** hello's localSeq: the seeder's highest own seq. */
  localSeq: number;
  seed: SeedBuffer | undefined;
  badFrames: number;
  /** Sent a `presence`: it receives the others' presence (presence.ts). */
  inPresence?: boolean;
  /** The message-rate bucket (admission.ts); starts full. */
  rate?: { tokens: number; at: number };
  /** When this connection last refreshed its replica's last_seen (connection.ts). */
  touchedAt?: number;
  /** `sendQueue().sentBytes` when its catch-up or snapshot was sent; Infinity while it is (outbox.ts `sendBurst`). */
  burstEnd?: number;
  /**
   * The epoch a read-token hello was told for a library that has no row (on-hello.ts): nothing
   * is stored for a reader, and a writer creating the library while it is connected adopts it.
   */
  unstoredEpoch?: string;
  /** hello's protocol version: a client before 5 cannot read a `reject`, and gets an `error` instead (on-push.ts). */
  protocol?: number;
  /** hello's query narrowed to the token's scope; undefined: the scope, or the whole library (replica-query.ts). */
  query?: Query;
  /** What the replica held before it widened its query (hello's `held`), until its resume sent the rest. */
  held?: Query;
  /**
   * The server replica's own connection (server-replica.ts), never a socket's: its ops are checked
   * against the schema but not the write rules, which judge what a token's holder may do, while the
   * server API is the app's own backend (judge-push.ts). No token can set this.
   */
  readonly trusted?: true;
  /** Frames that arrived while the token was being verified, in order. */
  readonly queue: Frame[];
  /** Set on a connection with another server (a `server` token, or this server dialing): it replicates (peer-*.ts) instead of syncing a replica. */
  peer?: PeerLink;
}

/**
 * One socket with another server, either side (peer-link.ts). Declared here, not in peer-link.ts,
 * because it and ConnectionState refer to each other.
 */
export interface PeerLink {
  /** This server opened the socket. */
  readonly dialer: boolean;
  /** From the other side's peer-hello. */
  remote: { readonly serverId: string; readonly epoch: string | null } | undefined;
  /** Sent our peer-hello and vector. */
  greeted: boolean;
  /** The other side's vector as it arrives, by replica id; complete once `vectorDone`. */
  readonly theirs: Map<string, import('../../protocol/peer.js').PeerReplica>;
  vectorDone: boolean;
  /** Our exchange was sent: every op stored from now on is forwarded, live. */
  live: boolean;
  /** Replicas whose registration the other side was sent (an op of another is preceded by its registration). */
  readonly announced: Set<string>;
  /** The other side's peer-synced arrived. */
  synced: boolean;
  /** This server's head after its last store from this link, while checkpoints may be recorded (peer-checkpoints.ts); undefined: not (any more). */
  checkpointHead?: number | undefined;
  /** Told the libraries the other side holds (the dialing adapter opens sockets for them). */
  readonly onLibraries: ((libraries: readonly string[]) => void) | undefined;
}

export interface ServerContext {
  readonly sql: SqlStorage;
  readonly now: () => number;
  readonly log: Log;
  /** This server's stable id (server-identity.ts): peers name a replica's home server by it. */
  readonly serverId: string;
  readonly truancyMs: number;
  /** The oldest schema version a hello may declare; 0: any, or none (schema-version.ts). */
  readonly minSchemaVersion: number;
  readonly limits: SyncLimits;
  /** The app's schema and write rules (check-write.ts); undefined when the server has neither, and then no push is checked. */
  readonly authority: Authority | undefined;
  /** The documents pushes are checked against (doc-cache.ts); unused without an authority. */
  readonly docs: DocCache;
  readonly createId: IdGenerator;
  readonly verifyToken: VerifyToken;
  /** Numbers connections for the logs. */
  nextConnectionId: number;
  /** Open connections by library. */
  readonly connections: Map<string, Set<ConnectionState>>;
  /** The one connection seeding each library, if any. */
  readonly seeding: Map<string, ConnectionState>;
  /** Presence by library, in memory only. */
  readonly presence: Map<string, LibraryPresence>;
  /** How long a disconnected replica stays in presence. */
  readonly presenceGraceMs: number;
  readonly profiles: ProfileCache | undefined;
  /** See SyncServerOptions.deferCompaction. */
  readonly deferCompaction: ((library: string) => void) | undefined;
}

/**
 * One replica in a library's presence. Declared here, not in presence-members.ts,
 * because it and ConnectionState refer to each other (no import cycle).
 */
export interface Member {
  readonly replicaId: string;
  userId: string;
  state: JsonObject | null;
  at: number;
  readonly connections: Set<ConnectionState>;
  /** Set while no connection is left: when the grace ends. */
  leavesAt: number | undefined;
  /** The scope of the token it joined with (presence-scope.ts); absent: the whole library. */
  scope?: Query;
}

export interface LibraryPresence {
  readonly members: Map<string, Member>;
  /** The profile of every user with a member, once looked up. */
  readonly profiles: Map<string, Profile | null>;
  /** Restored after hibernation: departures may have been lost, resend everything on the next expiry. */
  stale: boolean;
}

/** A refused message: the error frame to send (nothing was changed), and whether to close. */
export interface Refusal {
  readonly error: TrellisError;
  readonly close?: CloseCode;
}

/** What a handler returns: nothing when the message was handled. */
export type Outcome = Refusal | undefined;

export function libraryConnections(ctx: ServerContext, library: string): ConnectionState[] {
  return [...(ctx.connections.get(library) ?? [])];
}
