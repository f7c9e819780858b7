import 'fake-indexeddb/auto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it, vi } from 'vitest';

it('runs the README quickstart as written', async () => {
  const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
  const section = readme.slice(readme.indexOf('## Quickstart'));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  expect(code).toBeDefined();
  expect(code!.split('\n').length).toBeLessThanOrEqual(26);
  const dir = fileURLToPath(new URL('../.tmp/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = `${dir}quickstart-${process.pid}.ts`;
  writeFileSync(file, code!.replace("name: 'todo-app'", `name: 'readme-${process.pid}'`));
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  await import(/* @vite-ignore */ file);
  await vi.waitFor(() => expect(log).toHaveBeenCalledWith(['Milk']));
  log.mockRestore();
});
