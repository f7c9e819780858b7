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
