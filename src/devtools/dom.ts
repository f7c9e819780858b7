/**
 * The panel's element builder. Document ids, values, error messages and
 * presence states are user data: they only ever become text (a string child
 * is a Text node, an attribute is set with setAttribute); nothing here, or
 * anywhere in devtools, parses HTML.
 */
type Child = Node | string | number | false | null | undefined;
type Attributes = Record<string, string | number | boolean | undefined>;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

function append(node: Element, children: readonly Child[]): void {
  for (const child of children) {
    if (child === false || child === null || child === undefined) continue;
    node.append(typeof child === 'number' ? String(child) : child);
  }
}

/** Replaces `node`'s children. */
export function fill(node: Element, ...children: Child[]): void {
  node.replaceChildren();
  append(node, children);
}

/** A `<details>` section of the panel (keyboard accessible: its summary is a button). */
export function section(o: { name: string; title: string; open?: boolean }, ...children: Child[]): HTMLDetailsElement {
  return el('details', { class: 'td-section', 'data-section': o.name, open: o.open ?? true }, el('summary', {}, o.title), ...children);
}

/** A `label: value` row; the value cell carries `data-field` for tests and scripts. */
export function fact(label: string, field: string): { row: HTMLElement; value: HTMLElement } {
  const value = el('dd', { 'data-field': field });
  return { row: el('div', { class: 'td-fact' }, el('dt', {}, label), value), value };
}

/** A table with a header row; `rows` are its body rows. */
export function table(headers: readonly string[], rows: readonly HTMLTableRowElement[]): HTMLTableElement {
  return el('table', { class: 'td-table' }, el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', { scope: 'col' }, h)))), el('tbody', {}, ...rows));
}

export function row(...cells: Child[]): HTMLTableRowElement {
  return el('tr', {}, ...cells.map((cell) => el('td', {}, cell)));
}

/** Saves `text` as a file through a temporary object URL (the browser's download). */
export function download(filename: string, text: string, type = 'application/json'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = el('a', { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  // The download has read the URL by the time the click's task ends in every browser; revoke after a grace.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
