/**
 * Bech32 (BIP 173) encoding, as age writes its X25519 keys: `age1…`
 * recipients and `AGE-SECRET-KEY-1…` identities. Encoding only: reading
 * keys is the age library's.
 *
 * @module
 */

const CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
const GENERATORS = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

function polymod(values: readonly number[]): number {
  let check = 1;
  for (const value of values) {
    const top = check >>> 25;
    check = ((check & 0x1ffffff) << 5) ^ value;
    GENERATORS.forEach((g, i) => {
      if ((top >>> i) & 1) check ^= g;
    });
  }
  return check;
}

function expand(prefix: string): number[] {
  const codes = [...prefix].map((c) => c.charCodeAt(0));
  return [...codes.map((c) => c >>> 5), 0, ...codes.map((c) => c & 31)];
}

function toFiveBits(bytes: Uint8Array): number[] {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const byte of bytes) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push((acc >>> bits) & 31);
    }
  }
  if (bits > 0) out.push((acc << (5 - bits)) & 31);
  return out;
}

/**
 * `bytes` as bech32 under the human-readable part `prefix` (lower case).
 *
 * @example Encode as age writes an X25519 recipient
 * ```ts
 * import { bech32 } from "./bech32.ts";
 * import assert from "node:assert/strict";
 * assert.match(bech32("age", new Uint8Array(32)), /^age1q{52}/);
 * ```
 */
export function bech32(prefix: string, bytes: Uint8Array): string {
  const data = toFiveBits(bytes);
  const mod = polymod([...expand(prefix), ...data, 0, 0, 0, 0, 0, 0]) ^ 1;
  const checksum = [0, 1, 2, 3, 4, 5].map((i) => (mod >>> (5 * (5 - i))) & 31);
  return `${prefix}1${[...data, ...checksum].map((d) => CHARSET[d]).join("")}`;
}
