/** Ends every exhaustive switch: the compiler proves it unreachable. */
export function unexpectedCase(value: never): never {
  throw new Error(`Unexpected case: ${JSON.stringify(value)}`);
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`Assertion failed: ${message}`);
}
