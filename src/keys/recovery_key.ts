/**
 * The text form of a `key` slot's secret: 160 random bits as 32 symbols of
 * Crockford base32 and one check symbol, in dash-separated groups of five.
 * It is printed once and typed back by people, so reading it forgives what
 * people do (any case, dashes or none, O for 0, I or L for 1), and the
 * check symbol tells a mistyped key from a wrong one.
 *
 * The check symbol is the sum of the symbols weighted by successive powers
 * of a generator of GF(32): every single wrong symbol and every swap of
 * two different neighbours (the check symbol included) changes it.
 *
 * @module
 */

import { ValidationError } from "../errors.ts";

/** Bytes of secret in a generated key: 160 bits. */
export const RECOVERY_KEY_BYTES = 20;

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const LENIENT: Record<string, string> = { O: "0", I: "1", L: "1" };
const SYMBOL_BITS = 5;
const DATA_SYMBOLS = (RECOVERY_KEY_BYTES * 8) / SYMBOL_BITS;
const GROUP = 5;
// x^5 + x^2 + 1: GF(32)'s reduction polynomial, with x a generator.
const FIELD_POLYNOMIAL = 0b100101;
const FIELD_SIZE = 32;

function gfTimesX(value: number): number {
  const shifted = value << 1;
  return shifted & FIELD_SIZE ? shifted ^ FIELD_POLYNOMIAL : shifted;
}

function gfMultiply(a: number, b: number): number {
  let product = 0;
  for (let bit = 0; bit < SYMBOL_BITS; bit++) {
    if (b & (1 << bit)) product ^= a;
    a = gfTimesX(a);
  }
  return product;
}

// Weights start at x, not 1: the check symbol itself counts with weight 1,
// so swapping it with the last data symbol changes the sum too.
function checkSymbol(symbols: readonly number[]): number {
  let check = 0;
  let weight = gfTimesX(1);
  for (const symbol of symbols) {
    check ^= gfMultiply(symbol, weight);
    weight = gfTimesX(weight);
  }
  return check;
}

function toSymbols(bytes: Uint8Array): number[] {
  const symbols: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= SYMBOL_BITS) {
      bits -= SYMBOL_BITS;
      symbols.push((buffer >> bits) & (FIELD_SIZE - 1));
    }
  }
  return symbols;
}

function toBytes(symbols: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(RECOVERY_KEY_BYTES);
  let buffer = 0;
  let bits = 0;
  let at = 0;
  for (const symbol of symbols) {
    buffer = ((buffer << SYMBOL_BITS) | symbol) & 0xffff;
    bits += SYMBOL_BITS;
    if (bits >= 8) {
      bits -= 8;
      bytes[at++] = (buffer >> bits) & 0xff;
    }
  }
  return bytes;
}

/**
 * Formats a 20-byte key for people: groups of five symbols, the last one
 * ending in the check symbol.
 *
 * @example Print a recovery key in groups with a check symbol
 * ```ts
 * import { formatRecoveryKey } from "./recovery_key.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatRecoveryKey(new Uint8Array(20)), "00000-00000-00000-00000-00000-00000-000");
 * ```
 */
export function formatRecoveryKey(bytes: Uint8Array): string {
  if (bytes.length !== RECOVERY_KEY_BYTES) {
    throw new RangeError(`a recovery key is ${RECOVERY_KEY_BYTES} bytes`);
  }
  const symbols = toSymbols(bytes);
  const text = [...symbols, checkSymbol(symbols)]
    .map((symbol) => ALPHABET[symbol]).join("");
  return text.match(new RegExp(`.{1,${GROUP}}`, "g"))?.join("-") ?? "";
}

/**
 * Reads a key as a person typed it back: with or without dashes or spaces,
 * any case, O for 0 and I or L for 1. A key of the wrong shape, or whose
 * check symbol does not match (a typo), is a {@linkcode ValidationError}
 * that never repeats the key.
 *
 * @example Read a recovery key as a person typed it
 * ```ts
 * import { formatRecoveryKey, parseRecoveryKey } from "./recovery_key.ts";
 * import assert from "node:assert/strict";
 * const text = formatRecoveryKey(new Uint8Array(20).fill(7));
 * assert.equal(parseRecoveryKey(text.toLowerCase().replaceAll("-", ""))[0], 7);
 * ```
 */
export function parseRecoveryKey(text: string): Uint8Array {
  if (typeof text !== "string") {
    throw new ValidationError("the key must be a string");
  }
  const compact = text.replace(/[\s-]/g, "").toUpperCase()
    .replace(/[OIL]/g, (char) => LENIENT[char]);
  const symbols = [...compact].map((char) => ALPHABET.indexOf(char));
  if (symbols.length !== DATA_SYMBOLS + 1 || symbols.includes(-1)) {
    throw new ValidationError(
      `not a recovery key: one is ${
        DATA_SYMBOLS + 1
      } letters and digits (Crockford base32), in groups joined by dashes`,
    );
  }
  const data = symbols.slice(0, DATA_SYMBOLS);
  if (checkSymbol(data) !== symbols[DATA_SYMBOLS]) {
    throw new ValidationError(
      "the key is mistyped: its check character does not match; compare it with the copy you stored",
    );
  }
  return toBytes(data);
}
