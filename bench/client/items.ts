/**
 * The bench documents (~225 bytes of JSON each), with no dependencies, so
 * both the page and Node-side figures (which build libraries on a server)
 * make exactly the same documents.
 */
export interface Item {
  id: string;
  list: string;
  title: string;
  done: boolean;
  priority: number;
  createdAt: number;
  notes: string;
  tags: string[];
}

export const LISTS = 20;

/** Document `i` of a batch; `prefix` keeps ids of different batches apart. */
export function makeItem(prefix: string, i: number): Item {
  return {
    id: `${prefix}-${i.toString(36).padStart(5, '0')}`,
    list: `list-${i % LISTS}`,
    title: `Item ${i}: pick up oat milk and bread`,
    done: i % 3 === 0,
    priority: i % 5,
    createdAt: 1_700_000_000_000 + i * 1000,
    notes: 'Corner shop closes at six; the bakery one street over is open late.',
    tags: ['home', 'errand'],
  };
}

export function makeItems(prefix: string, count: number): Item[] {
  return Array.from({ length: count }, (_, i) => makeItem(prefix, i));
}

/** One field of `item` revised for the `round`-th time (title, priority, done, notes in turn): the field and its new value. */
export function reviseItem(item: Item, round: number): { field: 'title' | 'priority' | 'done' | 'notes'; value: string | number | boolean } {
  switch (round % 4) {
    case 0:
      return { field: 'title', value: `${item.title} (revised ${round})` };
    case 1:
      return { field: 'priority', value: (item.priority + round) % 5 };
    case 2:
      return { field: 'done', value: !item.done };
    default:
      return { field: 'notes', value: `Revision ${round}: corner shop closes at six, bakery open late.` };
  }
}

/**
 * A library's documents as a writer leaves them: `count` documents, then
 * `revisions` rounds of one revised field over every document (the late
 * joiner's writer makes exactly these writes through the store).
 */
export function revisedItems(prefix: string, count: number, revisions: number): Item[] {
  const items = makeItems(prefix, count);
  for (let round = 0; round < revisions; round++) {
    for (const item of items) {
      const { field, value } = reviseItem(item, round);
      (item as unknown as Record<string, unknown>)[field] = value;
    }
  }
  return items;
}
