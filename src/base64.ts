/**
 * Standard base64 (RFC 4648 §4, padded) for byte strings of any length,
 * with a strict decoder: what `btoa` and `atob` do, without their limits
 * (a call's argument count, silent acceptance of stray characters); and
 * lower-case hex, as the remote's records and file names write bytes.
 *
 * @module
 */

import { ValidationError } from "./errors.ts";

// Below V8's limit on a call's arguments, and a multiple of 3 so chunks
// encode without padding in between.
const CHUNK = 3 * 8192;
const BASE64 =
  /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * `bytes` as padded standard base64.
 *
 * @example Encode bytes as padded standard base64
 * ```ts
 * import { encodeBase64 } from "./base64.ts";
 * import assert from "node:assert/strict";
 * assert.equal(encodeBase64(new Uint8Array([0, 1])), "AAE=");
 * ```
 */
export function encodeBase64(bytes: Uint8Array): string {
  let text = "";
  for (let at = 0; at < bytes.length; at += CHUNK) {
    text += btoa(String.fromCharCode(...bytes.subarray(at, at + CHUNK)));
  }
  return text;
}

/**
 * The bytes of padded standard base64 `text`; anything else (whitespace,
 * the URL-safe alphabet, missing padding) is a {@linkcode ValidationError}
 * naming `what`.
 *
 * @example Decode padded standard base64, refusing other forms
 * ```ts
 * import { decodeBase64 } from "./base64.ts";
 * import assert from "node:assert/strict";
 * assert.equal(decodeBase64("AAE=", "value")[1], 1);
 * ```
 */
export function decodeBase64(text: string, what: string): Uint8Array {
  if (!BASE64.test(text)) {
    throw new ValidationError(`${what} is not padded standard base64`);
  }
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
}

/**
 * `bytes` as lower-case hex, two digits a byte.
 *
 * @example Encode bytes as hex
 * ```ts
 * import { encodeHex } from "./base64.ts";
 * import assert from "node:assert/strict";
 * assert.equal(encodeHex(new Uint8Array([0, 171])), "00ab");
 * ```
 */
export function encodeHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The bytes of lower-case hex `text`, or `null` when it is not that.
 *
 * @example Decode hex, refusing what is not
 * ```ts
 * import { decodeHex } from "./base64.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(decodeHex("00ab"), new Uint8Array([0, 171]));
 * assert.equal(decodeHex("0g"), null);
 * ```
 */
export function decodeHex(text: unknown): Uint8Array | null {
  return typeof text === "string" && /^([0-9a-f]{2})+$/.test(text)
    ? Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16))
    : null;
}
