/** Schema versions at hello: a server with a minimum refuses older replicas (SYNC_SCHEMA_OUTDATED) before deciding anything. */
import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import { defineSchema } from 'trellis';
import { createSyncServer } from 'trellis/server';
import { createSqliteStorage } from 'trellis/server/node';
import { PROTOCOL_VERSION } from 'trellis/protocol';
import { requiredSchemaVersion } from '../../../src/server/core/schema-version.js';
import { parseCliArgs } from '../../../src/server/node/cli-args.js';
import { createFakeServer, fakeVerify } from '../../helpers/fake-sync-server.js';
import type { FakeServer } from '../../helpers/fake-sync-server.js';

const hello = (o: { replicaId?: string; schemaVersion?: unknown; protocol?: number } = {}) => ({
  type: 'hello' as const,
  protocol: o.protocol ?? PROTOCOL_VERSION,
  replicaId: o.replicaId ?? 'R',
  cursor: null,
  localSeq: 0,
  atRisk: 0,
  ...(o.schemaVersion === undefined ? {} : { schemaVersion: o.schemaVersion as number }),
});

/** Nothing of a refused hello is stored: no library row, no replica. */
function storedNothing(fake: FakeServer): void {
  expect(fake.sql.exec('SELECT COUNT(*) AS n FROM libraries')).toEqual([{ n: 0 }]);
  expect(fake.sql.exec('SELECT COUNT(*) AS n FROM replicas')).toEqual([{ n: 0 }]);
}

describe('schema version at hello', () => {
  test('a replica one version below the minimum is refused with SYNC_SCHEMA_OUTDATED, closed with 4008, and nothing is stored', () => {
    const fake = createFakeServer({ minSchemaVersion: 3 });
    const client = fake.connect('lib');
    client.send(hello({ schemaVersion: 2 }));
    const error = client.take('error');
    expect(error).toMatchObject({ code: 'SYNC_SCHEMA_OUTDATED', details: { schemaVersion: 2, required: 3 } });
    expect(error.message).toMatch(/runs schema version 2.*requires schema version 3.*Update the app/);
    expect(client.inbox).toEqual([]);
    expect(client.closedWith).toEqual({ code: 4008, reason: 'SYNC_SCHEMA_OUTDATED' });
    storedNothing(fake);
    expect(fake.logs.find((l) => l.event === 'hello.schema-outdated')?.fields).toMatchObject({ schemaVersion: 2, required: 3 });
  });

  test('a replica at the minimum, or above it, gets its decision', () => {
    const fake = createFakeServer({ minSchemaVersion: 3 });
    for (const [i, version] of [3, 4, Number.MAX_SAFE_INTEGER].entries()) {
      const client = fake.connect(`lib-${i}`);
      client.send(hello({ replicaId: `R${i}`, schemaVersion: version }));
      expect(client.take('decision').decision).toBe('accept');
      expect(client.closedWith).toBeUndefined();
    }
  });

  test('a hello without a schema version is outdated wherever a minimum is set: closed with 4008, or with 4004 for a client of protocol 4 (which stops on it)', () => {
    const fake = createFakeServer({ minSchemaVersion: 1 });
    const current = fake.connect('lib');
    current.send(hello());
    expect(current.take('error')).toMatchObject({ code: 'SYNC_SCHEMA_OUTDATED', details: { schemaVersion: null, required: 1 } });
    expect(current.closedWith?.code).toBe(4008);
    const older = fake.connect('lib');
    older.send(hello({ protocol: 4 }));
    expect(older.take('error').code).toBe('SYNC_SCHEMA_OUTDATED');
    expect(older.closedWith?.code).toBe(4004);
    storedNothing(fake);
  });

  test('without a minimum every hello is served, with or without a schema version', () => {
    const fake = createFakeServer();
    const old = fake.connect('lib');
    old.send(hello({ protocol: 4 }));
    expect(old.take('decision').decision).toBe('accept');
    const any = fake.connect('other');
    any.send(hello({ schemaVersion: 1 }));
    expect(any.take('decision').decision).toBe('accept');
  });

  test.each([0, -1, 1.5, '3', null, Number.MAX_SAFE_INTEGER + 1])('a hello declaring schema version %j is PROTOCOL_INVALID_MESSAGE and changes nothing', (schemaVersion) => {
    const fake = createFakeServer({ minSchemaVersion: 1 });
    const client = fake.connect('lib');
    client.send(hello({ schemaVersion }));
    const error = client.take('error');
    expect(error.code).toBe('PROTOCOL_INVALID_MESSAGE');
    expect(JSON.stringify(error.details)).toContain('schemaVersion');
    expect(client.inbox).toEqual([]);
    storedNothing(fake);
  });

  test.each([0, -2, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('minSchemaVersion %j is refused when the server is created (INVALID_ARGUMENT)', (minSchemaVersion) => {
    const sql = createSqliteStorage(new Database(':memory:'));
    expect(() => createSyncServer({ sql, now: Date.now, verifyToken: fakeVerify, minSchemaVersion })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('minSchemaVersion') }),
    );
  });

  test("the minimum is the higher of minSchemaVersion and the server schema's breakingSince", () => {
    const schema = (breakingSince?: number) =>
      defineSchema({ version: 5, ...(breakingSince === undefined ? {} : { breakingSince }), collections: { notes: { primaryKey: 'id', fields: { id: { type: 'string' } } } } });
    expect(requiredSchemaVersion({})).toBe(0);
    expect(requiredSchemaVersion({ schema: schema() })).toBe(0);
    expect(requiredSchemaVersion({ schema: schema(4) })).toBe(4);
    expect(requiredSchemaVersion({ schema: schema(4), minSchemaVersion: 2 })).toBe(4);
    expect(requiredSchemaVersion({ schema: schema(2), minSchemaVersion: 5 })).toBe(5);
  });

  test("a server holding a schema with breakingSince refuses replicas below it, even without minSchemaVersion", () => {
    const schema = defineSchema({ version: 3, breakingSince: 3, collections: { notes: { primaryKey: 'id', fields: { id: { type: 'string' } } } } });
    const server = createSyncServer({ sql: createSqliteStorage(new Database(':memory:')), now: Date.now, verifyToken: fakeVerify, schema });
    const frames: string[] = [];
    const closes: number[] = [];
    const conn = server.connect({ send: (frame) => frames.push(frame), close: (code) => closes.push(code) }, { library: 'lib', token: 'write:lib' });
    conn.receive(JSON.stringify(hello({ schemaVersion: 2 })));
    expect(JSON.parse(frames[0] as string)).toMatchObject({ type: 'error', code: 'SYNC_SCHEMA_OUTDATED', details: { schemaVersion: 2, required: 3 } });
    expect(closes).toEqual([4008]);
  });

  test.each([0, 6, 1.5])('defineSchema refuses breakingSince %j outside 1..version (SCHEMA_INVALID)', (breakingSince) => {
    expect(() => defineSchema({ version: 5, breakingSince, collections: { notes: { primaryKey: 'id', fields: { id: { type: 'string' } } } } })).toThrow(
      expect.objectContaining({ code: 'SCHEMA_INVALID', message: expect.stringContaining('breakingSince') }),
    );
  });
});

describe('minimum schema version settings', () => {
  test('trellis-server --min-schema-version takes a positive integer', () => {
    expect(parseCliArgs(['--min-schema-version', '3']).minSchemaVersion).toBe(3);
    expect(parseCliArgs([]).minSchemaVersion).toBeUndefined();
    for (const bad of ['0', '-1', '1.5', 'abc', '', '9007199254740993']) {
      expect(() => parseCliArgs(['--min-schema-version', bad])).toThrow(expect.objectContaining({ code: 'CLI_INVALID_FLAG', message: expect.stringContaining('--min-schema-version') }));
    }
  });
});
