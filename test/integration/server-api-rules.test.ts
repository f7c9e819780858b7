/**
 * The server API on an authoritative server, Node and Durable Object: the
 * backend's writes meet the schema (a violation throws SCHEMA_VIOLATION and
 * stores nothing, not even a rejection or a seq) but not the write rules,
 * which still bind every replica, whatever user its token names.
 */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { filter, firstValueFrom, timeout } from 'rxjs';
import type { Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ErrorCode, createStore, isTrellisError } from 'trellis';
import { SERVER_USER } from 'trellis/server';
import { createSync } from 'trellis/sync';
import { OWNER_ONLY, looseSchema } from '../helpers/authority.js';
import { servers } from '../helpers/servers.js';

let databases = 0;
const until = <T>(source: Observable<T>, predicate: (value: T) => boolean): Promise<T> => firstValueFrom(source.pipe(filter(predicate), timeout(10_000)));

describe.each(servers)('server API on an authoritative server ($name)', (factory) => {
  it('writes a note the owner-only rule would refuse from any replica but its owner, and stores nothing for a write the schema forbids', async () => {
    const server = await factory.start({ authority: true });
    const notes = server.library('team').collection('notes');
    await notes.put({ id: 'n', owner: 'alice', text: 'from the backend' });
    await notes.update('n', { text: 'edited by the backend' });
    expect(await notes.get('n')).toEqual({ id: 'n', owner: 'alice', text: 'edited by the backend' });

    const before = await Promise.all([
      server.query('team', 'SELECT server_seq, replica, seq FROM ops WHERE library = ? ORDER BY server_seq', 'team'),
      server.query('team', 'SELECT replica, max_seq FROM replicas WHERE library = ? ORDER BY replica', 'team'),
    ]);
    const err = await notes.update('n', { text: 42 }).then(() => undefined, (e: unknown) => e);
    expect(isTrellisError(err, ErrorCode.SCHEMA_VIOLATION), String(err)).toBe(true);
    const after = await Promise.all([
      server.query('team', 'SELECT server_seq, replica, seq FROM ops WHERE library = ? ORDER BY server_seq', 'team'),
      server.query('team', 'SELECT replica, max_seq FROM replicas WHERE library = ? ORDER BY replica', 'team'),
    ]);
    expect(after).toEqual(before);
    expect(await server.query('team', 'SELECT * FROM rejections WHERE library = ?', 'team')).toEqual([]);

    // A replica whose token names the server's own user meets the rule as any other.
    const store = await createStore({ name: `server-api-rules-${++databases}`, schema: looseSchema, indexedDB: new IDBFactory(), IDBKeyRange });
    const token = server.token('team', { user: SERVER_USER });
    const sync = createSync(store, { url: server.url, library: 'team', getToken: () => token, WebSocket });
    try {
      await until(store.collection('notes').get('n'), (doc) => doc !== undefined);
      await store.collection('notes').update('n', { text: 'mine now' });
      const rejection = await until(sync.rejections, () => true);
      expect(rejection).toMatchObject({ collection: 'notes', id: 'n', code: ErrorCode.RULE_REJECTED, message: OWNER_ONLY });
      expect(await until(store.collection('notes').get('n'), (doc) => doc?.text === 'edited by the backend')).toBeDefined();
      expect(await notes.get('n')).toEqual({ id: 'n', owner: 'alice', text: 'edited by the backend' });
    } finally {
      await sync.stop();
      await store.close();
    }
  });
});
