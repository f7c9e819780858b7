/**
 * The page of test/e2e/svelte.test.ts: mounts App.svelte (Svelte 5, compiled
 * by @sveltejs/vite-plugin-svelte) with the page's store and sync, in the DOM
 * every binding page renders (binding-pages/page-app.ts).
 */
import { mount } from 'svelte';
import { exposePage } from '../binding-pages/page-app.js';
import App from './App.svelte';

exposePage(({ store, sync }, root) => void mount(App, { target: root, props: { store, sync } }));
