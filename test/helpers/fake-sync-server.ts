/**
 * The runtime-free core with in-memory SQLite and fake sockets: everything
 * runs synchronously, so unit tests read the frames a socket got right after
 * sending. Tokens are plain strings `role:library:user`, or `expired:library`
 * and `bad` (see fakeVerify).
 */
import Database from 'better-sqlite3';
import { TrellisError, ErrorCode } from 'trellis';
import { createSyncServer } from 'trellis/server';
import type { Schema } from 'trellis';
import type { Claims, Role, SqlStorage, SyncLimits, SyncServer, VerifyToken, WriteRules } from 'trellis/server';
import { createSqliteStorage } from 'trellis/server/node';
import { PROTOCOL_VERSION, decodeServerMessage, encodeMessage } from 'trellis/protocol';
import type { ClientMessage, Cursor, ServerMessage, ServerMessageType } from 'trellis/protocol';

export type MessageOf<T extends ServerMessageType> = Extract<ServerMessage, { type: T }>;

export interface FakeClient {
  /** Frames received and not yet taken. */
  readonly inbox: ServerMessage[];
  readonly closedWith: { code: number; reason: string } | undefined;
  send(message: ClientMessage): void;
  sendRaw(frame: string | Uint8Array): void;
  /** Removes and returns the first received message of this type; throws when there is none. */
  take<T extends ServerMessageType>(type: T): MessageOf<T>;
  /** Removes and returns every received message of this type. */
  takeAll<T extends ServerMessageType>(type: T): MessageOf<T>[];
  hello(o: { replicaId: string; cursor?: Cursor | null; localSeq?: number; atRisk?: number }): MessageOf<'decision'>;
  disconnect(): void;
}

export interface FakeServer {
  readonly server: SyncServer;
  readonly sql: SqlStorage;
  readonly logs: { level: string; event: string; fields: Record<string, unknown> }[];
  /** The fake clock (ms). */
  now: number;
  connect(library: string, token?: string): FakeClient;
}

export const FAR_FUTURE_S = 4_000_000_000;

/** `role:library:user` → claims; `expired:library` → expired claims; anything else → AUTH_TOKEN_INVALID. */
export const fakeVerify: VerifyToken = (token) => {
  const [role, library = '', user = 'ada'] = token.split(':');
  if (role === 'expired') return { library, user, role: 'write', exp: 1 };
  if (role !== 'read' && role !== 'write') throw new TrellisError(ErrorCode.AUTH_TOKEN_INVALID, 'bad token');
  return { library, user, role: role as Role, exp: FAR_FUTURE_S } satisfies Claims;
};

export function createFakeServer(
  o: { truancyMs?: number; limits?: Partial<SyncLimits>; verifyToken?: VerifyToken; sql?: SqlStorage; deferCompaction?: (library: string) => void; minSchemaVersion?: number; schema?: Schema; rules?: WriteRules } = {},
): FakeServer {
  const sql = o.sql ?? createSqliteStorage(new Database(':memory:'));
  const logs: FakeServer['logs'] = [];
  let epochs = 0;
  const fake: FakeServer = {
    sql,
    logs,
    now: 1_700_000_000_000,
    server: undefined as unknown as SyncServer,
    connect: (library, token = `write:${library}`) => fakeClient(fake.server, { library, token }),
  };
  (fake as { server: SyncServer }).server = createSyncServer({
    sql,
    now: () => fake.now,
    verifyToken: o.verifyToken ?? fakeVerify,
    log: (level, event, fields) => logs.push({ level, event, fields }),
    createId: () => `epoch-${++epochs}`,
    ...(o.truancyMs === undefined ? {} : { truancyMs: o.truancyMs }),
    ...(o.limits === undefined ? {} : { limits: o.limits }),
    ...(o.deferCompaction === undefined ? {} : { deferCompaction: o.deferCompaction }),
    ...(o.minSchemaVersion === undefined ? {} : { minSchemaVersion: o.minSchemaVersion }),
    ...(o.schema === undefined ? {} : { schema: o.schema }),
    ...(o.rules === undefined ? {} : { rules: o.rules }),
  });
  return fake;
}

function fakeClient(server: SyncServer, options: { library: string; token: string }): FakeClient {
  const inbox: ServerMessage[] = [];
  let closedWith: FakeClient['closedWith'];
  const conn = server.connect(
    {
      send: (frame) => {
        const decoded = decodeServerMessage(frame);
        if (!decoded.ok) throw decoded.error;
        inbox.push(decoded.value);
      },
      close: (code, reason) => {
        closedWith = { code, reason };
      },
    },
    options,
  );
  const take = <T extends ServerMessageType>(type: T): MessageOf<T> => {
    const index = inbox.findIndex((m) => m.type === type);
    if (index < 0) throw new Error(`no ${type} message; inbox: ${JSON.stringify(inbox)}`);
    return inbox.splice(index, 1)[0] as MessageOf<T>;
  };
  const client: FakeClient = {
    inbox,
    get closedWith() {
      return closedWith;
    },
    send: (message) => conn.receive(encodeMessage(message)),
    sendRaw: (frame) => conn.receive(frame),
    take,
    takeAll: (type) => {
      const all = inbox.filter((m) => m.type === type);
      for (const m of all) inbox.splice(inbox.indexOf(m), 1);
      return all as never;
    },
    hello: (o) => {
      client.send({ type: 'hello', protocol: PROTOCOL_VERSION, replicaId: o.replicaId, cursor: o.cursor ?? null, localSeq: o.localSeq ?? 0, atRisk: o.atRisk ?? 0 });
      return take('decision');
    },
    disconnect: () => conn.closed(),
  };
  return client;
}

/**
 * The core on in-memory SQLite with sockets that record every frame they get, in the
 * order the server sent them (across sockets): for tests of what goes out, and when.
 */
export function recordingServer(limits: Partial<SyncLimits> = {}) {
  const server = createSyncServer({ sql: createSqliteStorage(new Database(':memory:')), now: () => 1_700_000_000_000, verifyToken: fakeVerify, limits });
  const sent: { to: string; frame: string; message: ServerMessage }[] = [];
  const open = (to: string, user = to) =>
    server.connect(
      {
        send: (frame) => {
          const decoded = decodeServerMessage(frame);
          if (!decoded.ok) throw decoded.error;
          sent.push({ to, frame, message: decoded.value });
        },
        close: () => {},
      },
      { library: 'lib', token: `write:lib:${user}` },
    );
  const say = (conn: ReturnType<typeof open>, message: ClientMessage) => conn.receive(encodeMessage(message));
  return { open, say, sent };
}
