/**
 * Checks on what callers pass in. A failed check throws
 * {@linkcode ValidationError} before anything is written, and its message
 * describes the problem without repeating the input.
 *
 * @module
 */

import { ValidationError } from "../errors.ts";
import {
  MAX_HISTORY_LIMIT,
  MAX_NAME_BYTES,
  MAX_PATTERN_LENGTH,
  MAX_VALUE_BYTES,
} from "../limits.ts";
import type { ProgressListener, SecretEntries, SecretValue } from "../types.ts";

// C0 controls, DEL and C1 controls: they hide in terminals and logs.
const CONTROL = /\p{Cc}/u;
// Format characters (bidi overrides, zero-width joiners, the BOM): they make
// two different names look the same.
const FORMAT = /\p{Cf}/u;
const encoder = new TextEncoder();

/**
 * Checks that `input` is a well-formed string of at most `maxBytes` UTF-8
 * bytes (and not empty unless `allowEmpty`); `what` names it in the error.
 *
 * @example A lone surrogate is refused
 * ```ts
 * import { checkText } from "./validate.ts";
 * import assert from "node:assert/strict";
 * assert.equal(checkText("a note", "ok", 10), "ok");
 * assert.throws(() => checkText("a note", "\ud800", 10));
 * ```
 */
export function checkText(
  what: string,
  input: unknown,
  maxBytes: number,
  allowEmpty = false,
): string {
  if (typeof input !== "string") {
    throw new ValidationError(`${what} must be a string, not ${typeof input}`);
  }
  if (input.length === 0 && !allowEmpty) {
    throw new ValidationError(`${what} must not be empty`);
  }
  // A lone surrogate would be replaced when encoded, so two names could collide.
  if (!input.isWellFormed()) {
    throw new ValidationError(`${what} must be well-formed Unicode`);
  }
  // A UTF-16 code unit is at most 3 UTF-8 bytes: most strings need no
  // encoding to be known short enough.
  const mayExceed = input.length * 3 > maxBytes;
  if (
    input.length > maxBytes ||
    (mayExceed && encoder.encode(input).length > maxBytes)
  ) {
    throw new ValidationError(
      `${what} must be at most ${maxBytes} UTF-8 bytes`,
    );
  }
  return input;
}

function checkLabel(what: string, input: unknown): string {
  const text = checkText(what, input, MAX_NAME_BYTES);
  if (CONTROL.test(text)) {
    throw new ValidationError(`${what} must not contain control characters`);
  }
  return text;
}

/**
 * Returns `name` in Unicode normal form C when it is a valid secret name: a
 * non-empty string of at most {@linkcode MAX_NAME_BYTES} UTF-8 bytes with no
 * control or format characters. Two spellings of one name ("café" composed
 * or decomposed) are one name.
 *
 * @example Normalise a valid name and refuse a bad one
 * ```ts
 * import { validateName } from "./validate.ts";
 * import assert from "node:assert/strict";
 * assert.equal(validateName("cafe\u0301"), "caf\u00e9");
 * ```
 */
export function validateName(name: unknown): string {
  const text = checkLabel("name", name).normalize("NFC");
  if (FORMAT.test(text)) {
    throw new ValidationError(
      "name must not contain format characters (bidi controls, zero-width characters, BOM)",
    );
  }
  return checkLabel("name", text);
}

/**
 * The rule names were held to before 0.2 (no normalisation, format
 * characters allowed): lookups accept such a name, so that an entry stored
 * under it can still be read and deleted.
 *
 * @example Accept a name stored before 0.2
 * ```ts
 * import { validateStoredName } from "./validate.ts";
 * import assert from "node:assert/strict";
 * assert.equal(validateStoredName("a\u200bb"), "a\u200bb");
 * ```
 */
export function validateStoredName(name: unknown): string {
  return checkLabel("name", name);
}

/**
 * Returns `value` when it is a valid secret value: a well-formed string of
 * at most {@linkcode MAX_VALUE_BYTES} UTF-8 bytes, empty included (`FOO=`
 * in a dotenv file is a value). Newlines and other control characters are
 * allowed (PEM keys have them).
 *
 * @example Accept a text value, empty included
 * ```ts
 * import { validateValue } from "./validate.ts";
 * import assert from "node:assert/strict";
 * assert.equal(validateValue("sk-1"), "sk-1");
 * ```
 */
export function validateValue(value: unknown): string {
  return checkText("value", value, MAX_VALUE_BYTES, true);
}

/**
 * Returns `pattern` in normal form C when it is a valid glob for `keys`: a
 * name's rules (it is matched against names) and at most
 * {@linkcode MAX_PATTERN_LENGTH} characters.
 *
 * @example Check a glob pattern
 * ```ts
 * import { validatePattern } from "./validate.ts";
 * import assert from "node:assert/strict";
 * assert.equal(validatePattern("openai.*"), "openai.*");
 * ```
 */
export function validatePattern(pattern: unknown): string {
  const text = checkLabel("pattern", pattern);
  if (text.length > MAX_PATTERN_LENGTH) {
    throw new ValidationError(
      `pattern must be at most ${MAX_PATTERN_LENGTH} characters`,
    );
  }
  return text.normalize("NFC");
}

/**
 * Returns `value` when it is a valid secret value: a string (see
 * {@linkcode validateValue}) or a `Uint8Array` of at most
 * {@linkcode MAX_VALUE_BYTES} bytes, empty included. Any other object
 * (an `ArrayBuffer`, a `DataView`, another typed array) is a
 * {@linkcode ValidationError}: it would be stored as something else.
 *
 * @example Accept text or bytes and refuse anything else
 * ```ts
 * import { validateSecretValue } from "./validate.ts";
 * import assert from "node:assert/strict";
 * assert.equal(validateSecretValue(new Uint8Array(2)).length, 2);
 * ```
 */
export function validateSecretValue(value: unknown): SecretValue {
  if (typeof value === "string") return validateValue(value);
  if (!(value instanceof Uint8Array)) {
    const what = typeof value === "object" && value !== null
      ? (value.constructor?.name ?? "object")
      : typeof value;
    throw new ValidationError(
      `value must be a string or a Uint8Array, not ${what}`,
    );
  }
  if (value.length > MAX_VALUE_BYTES) {
    throw new ValidationError(`value must be at most ${MAX_VALUE_BYTES} bytes`);
  }
  return value;
}

/**
 * Checks every entry of `entries` before anything is written, returning
 * `[name, value]` pairs with names in normal form C.
 *
 * @example Check every entry before anything is written
 * ```ts
 * import { validateEntries } from "./validate.ts";
 * import assert from "node:assert/strict";
 * assert.equal(validateEntries({ "a.b": "1" })[0][0], "a.b");
 * ```
 */
export function validateEntries(
  entries: SecretEntries,
): [string, SecretValue][] {
  if (typeof entries !== "object" || entries === null) {
    throw new ValidationError(
      "entries must be a record or an iterable of pairs",
    );
  }
  const pairs: Iterable<unknown> = Symbol.iterator in entries
    ? entries as Iterable<unknown>
    : Object.entries(entries);
  return collect(pairs, "entries", (pair): [string, SecretValue] => {
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new ValidationError("each entry must be a [name, value] pair");
    }
    return [validateName(pair[0]), validateSecretValue(pair[1])];
  });
}

/**
 * The items of a caller's iterable; an iterator that throws is the
 * caller's error (a {@linkcode ValidationError} whose `cause` is what it
 * threw), never mistaken for a failure of the vault.
 */
function collect<T, U>(
  items: Iterable<T>,
  what: string,
  check: (item: T) => U,
): U[] {
  const checked: U[] = [];
  const iterator = items[Symbol.iterator]();
  for (;;) {
    let next: IteratorResult<T>;
    try {
      next = iterator.next();
    } catch (error) {
      throw new ValidationError(
        `iterating the ${what} threw (the error is this one's cause); nothing was written`,
        { cause: error },
      );
    }
    if (next.done) return checked;
    checked.push(check(next.value));
  }
}

/**
 * Checks an iterable of names to look up or delete (names stored before 0.2
 * included).
 *
 * @example Check names to look up or delete
 * ```ts
 * import { validateNames } from "./validate.ts";
 * import assert from "node:assert/strict";
 * assert.equal(validateNames(["a", "b"]).length, 2);
 * ```
 */
export function validateNames(names: Iterable<string>): string[] {
  if (
    typeof names !== "object" || names === null || !(Symbol.iterator in names)
  ) {
    throw new ValidationError("names must be an iterable of strings");
  }
  return collect(names, "names", validateStoredName);
}

/**
 * Returns `limit` when it is a whole number of earlier versions from 0 to
 * {@linkcode MAX_HISTORY_LIMIT}; otherwise throws {@linkcode ValidationError}.
 *
 * @example Check a history limit
 * ```ts
 * import { validateHistoryLimit } from "./validate.ts";
 * import assert from "node:assert/strict";
 * assert.equal(validateHistoryLimit(0), 0);
 * ```
 */
export function validateHistoryLimit(limit: unknown): number {
  if (
    typeof limit !== "number" || !Number.isInteger(limit) || limit < 0 ||
    limit > MAX_HISTORY_LIMIT
  ) {
    throw new ValidationError(
      `historyLimit must be a whole number from 0 to ${MAX_HISTORY_LIMIT}`,
    );
  }
  return limit;
}

/**
 * The progress listener of `options`, checked: a function or absent;
 * anything else is a {@linkcode ValidationError}.
 *
 * @example Accept a progress listener or none
 * ```ts
 * import { validateProgress } from "./validate.ts";
 * import assert from "node:assert/strict";
 * assert.equal(validateProgress({}), undefined);
 * assert.throws(() => validateProgress({ onProgress: 1 }));
 * ```
 */
export function validateProgress(
  options: { onProgress?: unknown } | undefined,
): ProgressListener | undefined {
  const listener = options?.onProgress;
  if (listener !== undefined && typeof listener !== "function") {
    throw new ValidationError("onProgress must be a function");
  }
  return listener as ProgressListener | undefined;
}
