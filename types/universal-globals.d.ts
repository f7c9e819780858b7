/**
 * For tsconfig.pure.json only: the few globals every runtime Trellis supports has (browsers, Node 20,
 * Workers) but the bare ES2022 lib does not declare. The runtime-free code (server core, schema, merge,
 * protocol) may use these and nothing else outside the language; the pure check keeps it that way.
 */
interface Blob {
  readonly size: number;
  readonly type: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}
declare function structuredClone<T>(value: T): T;
