// How TypeScript sees a .svelte import here (the compiler, not tsc, checks the component itself).
declare module '*.svelte' {
  import type { Component } from 'svelte';
  const component: Component<Record<string, unknown>>;
  export default component;
}
