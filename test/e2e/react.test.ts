/**
 * trellis/react in real Chromium: the React page (test/e2e/react-page/, built
 * by Vite from source) through the suite every binding page passes
 * (harness/binding-suite.ts): a live list with useQuery, a write from another
 * replica, a checkbox that keeps its new state in the frame of the click, and
 * a late joiner that saves its changes and joins with useJoinLibrary against
 * a real Node server on 127.0.0.1.
 */
import { describeBindingPage } from './harness/binding-suite.js';

describeBindingPage({ name: 'react', root: new URL('./react-page/', import.meta.url) });
