/** The two unions: every message a client sends, every message a server sends. */
import * as v from 'valibot';
import { CursorMessageSchema, HorizonSchema } from './cursor.js';
import { ErrorMessageSchema } from './error.js';
import { DecisionSchema, HelloSchema } from './hello.js';
import { OpsSchema, SyncedSchema } from './ops.js';
import { PresenceSchema, PresenceUpdateSchema } from './presence.js';
import { AckSchema, PushSchema } from './push.js';
import { RejectSchema } from './reject.js';
import { SeedSchema } from './seed.js';
import { JoinSchema, SnapshotSchema } from './snapshot.js';

export const ClientMessageSchema = v.variant('type', [HelloSchema, SeedSchema, PushSchema, CursorMessageSchema, JoinSchema, PresenceSchema]);

export const ServerMessageSchema = v.variant('type', [
  DecisionSchema,
  OpsSchema,
  SyncedSchema,
  AckSchema,
  RejectSchema,
  SnapshotSchema,
  HorizonSchema,
  ErrorMessageSchema,
  PresenceUpdateSchema,
]);

export type ClientMessage = v.InferOutput<typeof ClientMessageSchema>;
export type ServerMessage = v.InferOutput<typeof ServerMessageSchema>;
export type ClientMessageType = ClientMessage['type'];
export type ServerMessageType = ServerMessage['type'];
