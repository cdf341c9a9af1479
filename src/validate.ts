/**
 * Checks on what callers pass in. A failed check throws
 * {@linkcode ValidationError} before anything is written, and its message
 * describes the problem without repeating the input.
 *
 * @module
 */

import { ValidationError } from "./errors.ts";

/**
 * The longest accepted name, in UTF-8 bytes.
 *
 * @example
 * ```ts
 * import { MAX_NAME_BYTES } from "./validate.ts";
 * const fits = (name: string) => new TextEncoder().encode(name).length <= MAX_NAME_BYTES;
 * console.assert(fits("openai.apiKey"));
 * ```
 */
export const MAX_NAME_BYTES = 512;

/**
 * The longest accepted value, in UTF-8 bytes (1 MiB).
 *
 * @example
 * ```ts
 * import { MAX_VALUE_BYTES } from "./validate.ts";
 * console.assert(MAX_VALUE_BYTES === 1024 * 1024);
 * ```
 */
export const MAX_VALUE_BYTES = 1024 * 1024;

// C0 controls, DEL and C1 controls: they hide in terminals and logs.
const CONTROL = /\p{Cc}/u;
const encoder = new TextEncoder();

function checkText(what: string, input: unknown, maxBytes: number): string {
  if (typeof input !== "string") {
    throw new ValidationError(`${what} must be a string, not ${typeof input}`);
  }
  if (input.length === 0) {
    throw new ValidationError(`${what} must not be empty`);
  }
  // A lone surrogate would be replaced when encoded, so two names could collide.
  if (!input.isWellFormed()) {
    throw new ValidationError(`${what} must be well-formed Unicode`);
  }
  if (input.length > maxBytes || encoder.encode(input).length > maxBytes) {
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
 * Returns `name` when it is a valid secret name: a non-empty string of at
 * most {@linkcode MAX_NAME_BYTES} UTF-8 bytes with no control characters.
 *
 * @example
 * ```ts
 * import { validateName } from "./validate.ts";
 * console.assert(validateName("openai.apiKey") === "openai.apiKey");
 * ```
 */
export function validateName(name: unknown): string {
  return checkLabel("name", name);
}

/**
 * Returns `value` when it is a valid secret value: a non-empty string of at
 * most {@linkcode MAX_VALUE_BYTES} UTF-8 bytes. Newlines and other control
 * characters are allowed (PEM keys have them).
 *
 * @example
 * ```ts
 * import { validateValue } from "./validate.ts";
 * console.assert(validateValue("sk-1") === "sk-1");
 * ```
 */
export function validateValue(value: unknown): string {
  return checkText("value", value, MAX_VALUE_BYTES);
}

/**
 * Returns `pattern` when it is a valid glob for `keys`: the same rules as a
 * name, since it is matched against names.
 *
 * @example
 * ```ts
 * import { validatePattern } from "./validate.ts";
 * console.assert(validatePattern("openai.*") === "openai.*");
 * ```
 */
export function validatePattern(pattern: unknown): string {
  return checkLabel("pattern", pattern);
}
