/**
 * createSync's plugins: presence, files and shared tabs are opt-in. Bad
 * plugin lists are refused before anything starts; without presence() the
 * Sync object has no `presence` (at run time and in its type); with it, it
 * does. The transport here only counts connection attempts.
 */
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { ErrorCode } from 'trellis';
import { files } from 'trellis/files';
import { presence, type Presence } from 'trellis/presence';
import { createSync, type Sync, type SyncPlugin, type TransportFactory } from 'trellis/sync';
import { sharedTabs } from 'trellis/tabs';
import { testDatabase, type TodoStore } from '../../helpers/open-test-store.js';

const stores: TodoStore[] = [];
const syncs: Sync[] = [];
afterEach(async () => {
  for (const sync of syncs.splice(0)) await sync.stop();
  for (const store of stores.splice(0)) await store.close();
});

/** A transport that never opens; `attempts` counts the connections createSync started. */
function countingTransport() {
  const counter = { attempts: 0 };
  const transport: TransportFactory = () => {
    counter.attempts++;
    return { send() {}, onMessage() {}, onOpen() {}, onClose() {}, close() {} };
  };
  return { counter, transport };
}

async function open(): Promise<TodoStore> {
  const store = await testDatabase().open();
  stores.push(store);
  return store;
}

const base = { url: 'ws://127.0.0.1:1/parties/trellis', library: 'lib', token: 't' };

describe('createSync plugins', () => {
  it('without plugins, the Sync has no presence, at run time and in its type', async () => {
    const { counter, transport } = countingTransport();
    const sync = createSync(await open(), { ...base, transport });
    syncs.push(sync);
    expect('presence' in sync).toBe(false);
    expect(counter.attempts).toBe(1);
    expectTypeOf(sync).toEqualTypeOf<Sync>();
    // @ts-expect-error presence exists only with the presence() plugin
    void sync.presence;
  });

  it('presence() adds sync.presence; files() and sharedTabs() add nothing to the object', async () => {
    const { transport } = countingTransport();
    const sync = createSync(await open(), { ...base, transport, plugins: [presence(), files(), sharedTabs()] });
    syncs.push(sync);
    expectTypeOf(sync.presence).toEqualTypeOf<Presence>();
    sync.presence.set({ viewing: 'list-1' });
    expect(sync.presence.self).toEqual({ viewing: 'list-1' });
    const plain = createSync(await open(), { ...base, transport });
    syncs.push(plain);
    expect(Object.keys(sync).sort()).toEqual([...Object.keys(plain), 'presence'].sort());
  });

  it('refuses a plugin list that is not an array, holds something else, or installs one plugin twice, before connecting', async () => {
    const store = await open();
    const { counter, transport } = countingTransport();
    const bad: unknown[] = ['presence', presence(), [{}], [{ name: 'x' }], [{ name: 1, install: () => ({}) }], [null], [presence(), presence()], [files(), files()]];
    for (const plugins of bad) {
      expect(() => createSync(store, { ...base, transport, plugins: plugins as readonly SyncPlugin[] })).toThrow(
        expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT, message: expect.stringMatching(/^createSync: .*plugin/) }),
      );
    }
    expect(counter.attempts).toBe(0);
    // An empty list is no plugins.
    syncs.push(createSync(store, { ...base, transport, plugins: [] }));
    expect(counter.attempts).toBe(1);
  });

  it('a plugin sees each connection this tab starts, and its end when sync stops', async () => {
    const { transport } = countingTransport();
    const seen: string[] = [];
    const probe: SyncPlugin<{ readonly probe: true }> = {
      name: 'probe',
      install: ({ options, tabs }) => {
        seen.push(`install ${options.library} tabs:${tabs !== undefined}`);
        return { adds: { probe: true }, connect: () => (seen.push('connect'), () => seen.push('end')) };
      },
    };
    const sync = createSync(await open(), { ...base, transport, plugins: [probe] });
    expect(sync.probe).toBe(true);
    expect(seen).toEqual(['install lib tabs:false', 'connect']);
    await sync.stop();
    await sync.stop();
    expect(seen).toEqual(['install lib tabs:false', 'connect', 'end']);
  });
});
