/**
 * The import lint (`npm run lint:deps`, part of `npm run typecheck`): no import
 * cycles, type-only imports included, and imports only along the layer order
 * of STYLE.md:
 *
 *   core ← merge, schema, protocol ← store, sync, server/core ← server/node, server/cloudflare
 *
 * sync reaches the store only through store/index.ts; its opt-in plugins
 * (presence/, files/, tabs/) sit above it and nothing below imports them; server/* never imports
 * store or sync; the framework bindings react/ and vue/ sit above store and
 * sync and reach them (and the 'trellis' entry) through their index.ts only,
 * sharing the framework-neutral bindings/, and nothing else imports them;
 * testing/ may import anything below it and nothing imports testing/; the
 * demo uses the public entries (an index.ts) only.
 */
/** Folders of the pure layers, which run in browsers, Node and workerd alike. */
const PURE = '^src/(core|merge|schema|protocol|store|sync|presence|files|tabs|bindings|react|vue|devtools|server/core)/';

/** A rule that `from` may import, inside src/, only paths matching `allowed`. */
const onlyBelow = (name, comment, from, allowed) => ({
  name,
  comment,
  severity: 'error',
  from: { path: from },
  to: { path: '^src/', pathNot: allowed },
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Import cycles (type-only imports included) hide the layer order; move the shared part down into a file of its own.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    onlyBelow('core-imports-nothing', 'core/ is the bottom layer: it imports nothing else of src/.', '^src/core/', '^src/core/'),
    onlyBelow(
      'merge-schema-protocol-import-core-only',
      'merge/, schema/ and protocol/ sit on core/ only, not on each other.',
      '^src/(merge|schema|protocol)/',
      '^src/(core|$1)/',
    ),
    onlyBelow('store-below-sync', 'store/ imports core/, merge/, schema/, protocol/ only (never sync/, server/ or testing/).', '^src/store/', '^src/(core|merge|schema|protocol|store)/'),
    onlyBelow(
      'sync-through-store-index',
      'sync/ reaches the store only through store/index.ts, and never server/ or testing/.',
      '^src/sync/',
      '^src/(core|merge|schema|protocol|sync)/|^src/store/index[.]ts$',
    ),
    onlyBelow(
      'sync-plugins-above-sync',
      "presence/, files/ and tabs/ (createSync's opt-in plugins, each its own entry) reach sync through sync/index.ts and sync/internals.ts, the store through store/index.ts, and never each other.",
      '^src/(presence|files|tabs)/',
      '^src/($1|core|schema|protocol)/|^src/(store/index|sync/index|sync/internals)[.]ts$',
    ),
    {
      name: 'nothing-imports-sync-plugins',
      comment: "An app ships a plugin only when it imports it: nothing in 'trellis' or 'trellis/sync' imports presence/, files/ or tabs/ (the bindings may import presence/index.ts, for its types).",
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(presence|files|tabs|react|vue|bindings|testing)/' },
      to: { path: '^src/(presence|files|tabs)/' },
    },
    onlyBelow(
      'undo-plugin-above-store',
      "undo/ ('trellis/undo', createStore's opt-in undo) re-exports the store's undo plugin through store/index.ts only.",
      '^src/undo/',
      '^src/undo/|^src/store/index[.]ts$',
    ),
    {
      name: 'nothing-imports-undo',
      comment: "An app ships undo only when it imports 'trellis/undo': nothing else in src/ (but testing/, the top) imports undo/.",
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(undo|testing)/' },
      to: { path: '^src/undo/' },
    },
    onlyBelow(
      'bindings-above-store-and-sync',
      "react/ ('trellis/react') and vue/ ('trellis/vue') reach the library through 'trellis', store/index.ts, sync/index.ts and bindings/ only, never each other.",
      '^src/(react|vue)/',
      '^src/($1|bindings)/|^src/(index|store/index|sync/index|presence/index)[.]ts$',
    ),
    onlyBelow(
      'shared-bindings-above-store-and-sync',
      "bindings/ (what react/ and vue/ share) reaches the library through 'trellis', store/index.ts and sync/index.ts only.",
      '^src/bindings/',
      '^src/bindings/|^src/(index|store/index|sync/index|presence/index)[.]ts$',
    ),
    {
      name: 'nothing-imports-bindings',
      comment: "No React or Vue in 'trellis' or 'trellis/sync': only the bindings (and testing/, the top) may import react/, vue/ and bindings/.",
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(react|vue|bindings|testing)/' },
      to: { path: '^src/(react|vue|bindings)/' },
    },
    onlyBelow(
      'devtools-above-store-and-sync',
      "devtools/ ('trellis/devtools') reaches the library through core/index.ts, store/index.ts and sync/index.ts only (its inspector is store/inspect.ts, exported there).",
      '^src/devtools/',
      '^src/devtools/|^src/(core/index|store/index|sync/index)[.]ts$',
    ),
    {
      name: 'nothing-imports-devtools',
      comment: "An app ships devtools only when it imports 'trellis/devtools': nothing else in src/ (but testing/, the top) imports devtools/.",
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(devtools|testing)/' },
      to: { path: '^src/devtools/' },
    },
    onlyBelow(
      'server-core-is-runtime-free',
      'server/core/ never imports store/, sync/, an adapter or testing/.',
      '^src/server/core/',
      '^src/(core|merge|schema|protocol|server/core)/',
    ),
    onlyBelow(
      'server-adapters-on-server-core',
      'server/node/ and server/cloudflare/ sit on server/core/ (never store/, sync/, testing/ or each other).',
      '^src/server/(node|cloudflare)/',
      '^src/(core|merge|schema|protocol|server/core|server/$1)/',
    ),
    onlyBelow('server-entry-on-server-core', "'trellis/server' re-exports server/core/ only.", '^src/server/index[.]ts$', '^src/server/core/'),
    {
      name: 'nothing-imports-testing',
      comment: 'testing/ is the top of src/: it may import anything below it, and nothing in src/ imports it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/testing/' },
      to: { path: '^src/testing/' },
    },
    {
      name: 'src-stands-alone',
      comment: 'The library never imports its tests, benchmarks or demo.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench|demo)/' },
    },
    {
      name: 'pure-layers-no-runtime-builtins',
      comment: 'Code below the adapters runs in browsers and workerd: no node: or other runtime built-ins.',
      severity: 'error',
      from: { path: PURE },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'demo-uses-public-entries',
      comment: "The demo imports Trellis as an app does: 'trellis', 'trellis/sync', … (one folder's index.ts).",
      severity: 'error',
      from: { path: '^demo/' },
      to: { path: '^src/', pathNot: '^src/(index|[^/]+/index|server/[^/]+/index)[.]ts$' },
    },
  ],
  options: {
    // Type-only imports count: a cycle of types is still a cycle.
    tsPreCompilationDeps: true,
    // Resolves the 'trellis' and 'trellis/*' paths (tsconfig.json) to src/.
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    // Build output (bench/.build, dist) is not source.
    exclude: { path: '(^|/)(node_modules|dist|[.]build|[.]tmp)/' },
    enhancedResolveOptions: {
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types'],
    },
  },
};
