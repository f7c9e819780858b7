import { expect } from 'vitest';
import { isTrellisError } from 'trellis';

/** Awaits `promise`, expects it to reject with a TrellisError of `code`, and returns that error. */
export async function expectCode(promise: Promise<unknown>, code: string): Promise<Error> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isTrellisError(err), `expected a TrellisError ${code}, got ${String(err)}`).toBe(true);
  expect((err as { code: string }).code).toBe(code);
  return err as Error;
}
