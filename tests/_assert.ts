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

/**
 * Asserts `fn` throws: an instance of `expected` when it is a class, an
 * error whose message matches it when it is a pattern, or one it accepts
 * when it is a predicate. Returns nothing, as `node:assert/strict`'s
 * `throws` does.
 */
export function assertThrows(
  fn: () => unknown,
  expected?:
    | (new (...args: never[]) => Error)
    | RegExp
    | ((error: unknown) => boolean),
  message?: string,
): void {
  if (expected === undefined) assertStrict.throws(fn, message);
  else assertStrict.throws(fn, expected, message);
}

/** Asserts `fn` throws an instance of `type`, and returns it. */
export function thrownBy<E extends Error>(
  fn: () => unknown,
  type: new (...args: never[]) => E,
): E {
  try {
    fn();
  } catch (error) {
    if (error instanceof type) return error;
    throw new assertStrict.AssertionError({
      message: `expected ${type.name}, got ${String(error)}`,
    });
  }
  throw new assertStrict.AssertionError({
    message: `expected ${type.name}, nothing was thrown`,
  });
}

/** Asserts `text` matches `pattern`. */
export function assertMatch(
  text: string,
  pattern: RegExp,
  message?: string,
): void {
  assertStrict.match(text, pattern, message);
}

/** Asserts `actual` and `expected` differ, deeply. */
export function assertNotEquals<T>(
  actual: T,
  expected: T,
  message?: string,
): void {
  assertStrict.notDeepStrictEqual(actual, expected, message);
}
