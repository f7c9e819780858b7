import { describe, expect, it } from 'vitest';
import type { SyncState } from 'trellis/sync';
import { allTodos, openReplica } from '../helpers/sync-harness.js';
import { servers } from '../helpers/servers.js';

const DOCS = 300;

describe.each(servers)('single-writer compaction ($name)', (factory) => {
  it('a library whose only replica writes is compacted into baselines; the writer resumes after it and a late joiner gets everything', async () => {
    const server = await factory.start();
    const writer = await openReplica(server, 'solo');
    await writer.settle();
    const todos = writer.store.collection('todos');
    await todos.bulkPut(Array.from({ length: DOCS }, (_, i) => ({ id: `t${i}`, title: `todo ${i}`, createdAt: i })));
    await todos.update('t0', { title: 'changed' });
    await writer.settle();

    const [result] = await server.compact('solo');
    expect(result).toMatchObject({ horizon: DOCS + 1, more: false });
    expect(await server.query('solo', "SELECT COUNT(*) AS n FROM ops WHERE library = 'solo'")).toEqual([{ n: 0 }]);
    expect(await server.query('solo', "SELECT COUNT(*) AS n FROM baselines WHERE library = 'solo'")).toEqual([{ n: DOCS }]);

    // Its stored cursor is behind the new horizon, but only its own ops lie in between: it resumes, never resets.
    await writer.sync.stop();
    const phases: SyncState['phase'][] = [];
    writer.connect().state.subscribe((s) => phases.push(s.phase));
    await todos.put({ id: 'after', title: 'after compaction', createdAt: DOCS });
    await writer.settle();
    expect(phases).not.toContain('join-required');
    const decisions = (await server.logs()).filter((l) => l.event === 'hello.decision' && l.fields.replicaId === writer.store.replicaId);
    expect(decisions.map((l) => l.fields.decision)).toEqual(['accept', 'resume']);

    const late = await openReplica(server, 'solo');
    await late.settle();
    expect(await allTodos(late)).toEqual(await allTodos(writer));
    expect((await allTodos(late)).length).toBe(DOCS + 1);
    await late.close();
    await writer.close();
  });
});
