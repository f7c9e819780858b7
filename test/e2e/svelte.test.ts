/**
 * Svelte in real Chromium, with no binding: the Svelte 5 page
 * (test/e2e/svelte-page/, compiled by @sveltejs/vite-plugin-svelte) reads the
 * live query and sync.state with `$store` syntax, since rxjs Observables
 * satisfy Svelte's store contract. It passes the suite every binding page
 * passes (harness/binding-suite.ts) against a real Node server on 127.0.0.1.
 */
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { describeBindingPage } from './harness/binding-suite.js';

describeBindingPage({ name: 'svelte', root: new URL('./svelte-page/', import.meta.url), plugins: () => [svelte()] });
