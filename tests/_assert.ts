/**
 * The few assertions the tests use, over `node:assert/strict`, so a test
 * reads like the standard library's without depending on JSR.
 *
 * @module
 */

import assertStrict from "node:assert/strict";

/** Asserts `condition` is truthy. */
export function assert(
  condition: unknown,
  message?: string,
): asserts condition {
  assertStrict.ok(condition, message);
}

/** Asserts `condition` is falsy. */
export function assertFalse(condition: unknown, message?: string): void {
  assertStrict.ok(!condition, message);
}

/** Asserts deep, strict equality. */
export function assertEquals<T>(
  actual: T,
  expected: T,
  message?: string,
): void {
  assertStrict.deepStrictEqual(actual, expected, message);
}

/** Asserts `fn` rejects with an instance of `type`, and returns the error. */
export async function assertRejects<E extends Error>(
  fn: () => Promise<unknown>,
  type: new (...args: never[]) => E,
): Promise<E> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof type) return error;
    throw new assertStrict.AssertionError({
      message: `expected ${type.name}, got ${String(error)}`,
      actual: error,
      expected: type,
    });
  }
  throw new assertStrict.AssertionError({
    message: `expected ${type.name}, nothing was thrown`,
  });
}
