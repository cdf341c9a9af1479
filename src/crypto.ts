/**
 * The cryptographic primitives of a vault, over `node:crypto`: AES-256-GCM
 * with a fresh 96-bit IV per encryption, HMAC-SHA256, HKDF-SHA256 sub-keys
 * and the scrypt key-encryption key. `node:crypto` is synchronous and, in
 * Deno, measurably faster per call than Web Crypto for the small inputs a
 * vault handles (see README, "Performance").
 *
 * @module
 */

import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  scrypt,
  timingSafeEqual,
} from "node:crypto";

/** Bytes in every symmetric key: AES-256 and HMAC-SHA256 keys alike. */
export const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * How many bytes {@linkcode encrypt} adds to a plaintext: its IV and tag.
 *
 * @example A sealed value is its plaintext plus the overhead
 * ```ts
 * import { encrypt, randomBytes, SEAL_OVERHEAD } from "./crypto.ts";
 * import assert from "node:assert/strict";
 * const sealed = encrypt(randomBytes(32), new Uint8Array(5), new Uint8Array());
 * assert.equal(sealed.length, 5 + SEAL_OVERHEAD);
 * ```
 */
export const SEAL_OVERHEAD: number = IV_BYTES + TAG_BYTES;
const CIPHER = "aes-256-gcm";

/** scrypt cost parameters, stored per vault so they can be raised later. */
export interface KdfParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  /** Block size. */
  r: number;
  /** Parallelisation. */
  p: number;
}

/** The parameters new vaults use: scrypt N=2^17, r=8, p=1 (128 MiB). */
export const DEFAULT_KDF: KdfParams = { N: 2 ** 17, r: 8, p: 1 };

// Stored parameters are not trusted to be sane: above these an open would
// take seconds to minutes and gigabytes, so it is refused before deriving.
const MAX_KDF_MEMORY = 256 * 2 ** 20;
const MAX_KDF_WORK = 4 * DEFAULT_KDF.N * DEFAULT_KDF.r * DEFAULT_KDF.p;
const MIN_KDF_N = 2 ** 10;

function scryptMemory({ N, r }: KdfParams): number {
  return 128 * N * r;
}

/**
 * Whether scrypt parameters are well-formed (N a power of two of at least
 * 2^10) and within the maxima: 256 MiB of memory (128·N·r) and four times
 * the default work (N·r·p).
 */
function isSafeKdf(params: KdfParams): boolean {
  const { N, r, p } = params;
  return [N, r, p].every((n) => Number.isSafeInteger(n) && n >= 1) &&
    N >= MIN_KDF_N && (N & (N - 1)) === 0 &&
    scryptMemory(params) <= MAX_KDF_MEMORY && N * r * p <= MAX_KDF_WORK;
}

function within(value: unknown, min: number, max: number): value is number {
  return typeof value === "number" && Number.isInteger(value) &&
    value >= min && value <= max;
}

/**
 * Reads stored scrypt parameters, which are not trusted: `null` unless
 * they are well-formed and within the maxima of {@linkcode isSafeKdf}.
 *
 * @example Read stored scrypt parameters without trusting them
 * ```ts
 * import { readKdfParams } from "./crypto.ts";
 * import assert from "node:assert/strict";
 * assert.equal(readKdfParams({ N: 2 ** 40, r: 8, p: 1 }), null);
 * ```
 */
export function readKdfParams(value: unknown): KdfParams | null {
  if (typeof value !== "object" || value === null) return null;
  const { N, r, p } = value as Record<string, unknown>;
  const shaped = within(N, 1, 2 ** 30) && within(r, 1, 2 ** 10) &&
    within(p, 1, 2 ** 10);
  return shaped && isSafeKdf({ N, r, p }) ? { N, r, p } : null;
}

/** The sub-keys derived from the data key, one per purpose. */
export interface SubKeys {
  /** Encrypts names and values. */
  readonly value: Uint8Array;
  /** Keys the name hash that is each row's primary key. */
  readonly index: Uint8Array;
  /** Keys each row's MAC. */
  readonly row: Uint8Array;
  /** Keys the integrity tag over the accumulator. */
  readonly tag: Uint8Array;
  /** Keys the file seal in `meta.json`. */
  readonly seal: Uint8Array;
  /** Keys the key check, which tells this data key from any other. */
  readonly check: Uint8Array;
}

const encoder = new TextEncoder();

// The most bytes Web Crypto's getRandomValues fills in one call.
const RANDOM_CHUNK = 65536;

/**
 * Returns `length` cryptographically random bytes.
 *
 * @example Draw random bytes
 * ```ts
 * import { randomBytes } from "./crypto.ts";
 * import assert from "node:assert/strict";
 * assert.equal(randomBytes(32).length, 32);
 * assert.equal(randomBytes(100_000).length, 100_000);
 * ```
 */
export function randomBytes(length: number): Uint8Array {
  // Web Crypto's generator draws on the OS's like node:crypto's, without
  // the Buffer that costs a node:crypto call more than the bytes do.
  const bytes = new Uint8Array(length);
  for (let at = 0; at < length; at += RANDOM_CHUNK) {
    crypto.getRandomValues(bytes.subarray(at, at + RANDOM_CHUNK));
  }
  return bytes;
}

/**
 * HMAC-SHA256 of `data` under `key`.
 *
 * @example MAC bytes with HMAC-SHA256
 * ```ts
 * import { hmac, randomBytes } from "./crypto.ts";
 * import assert from "node:assert/strict";
 * assert.equal(hmac(randomBytes(32), new Uint8Array([1])).length, 32);
 * ```
 */
export function hmac(key: Uint8Array, data: Uint8Array): Uint8Array {
  return createHmac("sha256", key).update(data).digest();
}

/**
 * HMAC-SHA256 of a UTF-8 string, as base64url text: the form a name hash is
 * stored and compared in.
 *
 * @example Hash a name to base64url text
 * ```ts
 * import { hmacText, randomBytes } from "./crypto.ts";
 * import assert from "node:assert/strict";
 * assert.equal(hmacText(randomBytes(32), "openai.apiKey").length, 43);
 * ```
 */
export function hmacText(key: Uint8Array, text: string): string {
  return createHmac("sha256", key).update(text, "utf8").digest("base64url");
}

/**
 * Compares two byte strings in time independent of where they differ.
 *
 * @example Compare byte strings in constant time
 * ```ts
 * import { equalBytes } from "./crypto.ts";
 * import assert from "node:assert/strict";
 * assert.ok(equalBytes(new Uint8Array([1]), new Uint8Array([1])));
 * ```
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Encrypts with AES-256-GCM under a fresh random IV, binding `aad`.
 * Returns `iv || ciphertext || tag`.
 *
 * @example Seal bytes with AES-256-GCM
 * ```ts
 * import { decrypt, encrypt, randomBytes } from "./crypto.ts";
 * import assert from "node:assert/strict";
 * const key = randomBytes(32);
 * const aad = new TextEncoder().encode("row");
 * const sealed = encrypt(key, new TextEncoder().encode("sk-1"), aad);
 * assert.equal(new TextDecoder().decode(decrypt(key, sealed, aad) ?? undefined), "sk-1");
 * ```
 */
export function encrypt(
  key: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
): Uint8Array {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(CIPHER, key, iv).setAAD(aad);
  const head = cipher.update(plaintext);
  const tail = cipher.final();
  const out = new Uint8Array(IV_BYTES + head.length + tail.length + TAG_BYTES);
  out.set(iv, 0);
  out.set(head, IV_BYTES);
  out.set(tail, IV_BYTES + head.length);
  out.set(cipher.getAuthTag(), out.length - TAG_BYTES);
  return out;
}

/**
 * Decrypts `iv || ciphertext || tag` from {@linkcode encrypt}. Returns `null`
 * when it does not authenticate (wrong key, altered bytes or another `aad`):
 * the caller knows which error that is.
 *
 * @example Open sealed bytes, or get null when they were altered
 * ```ts
 * import { decrypt, randomBytes } from "./crypto.ts";
 * import assert from "node:assert/strict";
 * assert.equal(decrypt(randomBytes(32), randomBytes(40), new Uint8Array()), null);
 * ```
 */
export function decrypt(
  key: Uint8Array,
  sealed: Uint8Array,
  aad: Uint8Array,
): Uint8Array | null {
  if (sealed.length < IV_BYTES + TAG_BYTES) return null;
  const decipher = createDecipheriv(CIPHER, key, sealed.subarray(0, IV_BYTES))
    .setAAD(aad)
    .setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  try {
    const head = decipher.update(
      sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES),
    );
    const tail = decipher.final();
    if (tail.length === 0) return new Uint8Array(head);
    const out = new Uint8Array(head.length + tail.length);
    out.set(head);
    out.set(tail, head.length);
    return out;
  } catch {
    return null;
  }
}

/**
 * Derives a key-encryption key with scrypt: for a passphrase, or a keyfile
 * mixed with guessable binding factors. Runs off the main thread.
 *
 * @example Derive a key-encryption key with scrypt
 * ```ts
 * import { deriveKek, randomBytes } from "./crypto.ts";
 * import assert from "node:assert/strict";
 * const kek = await deriveKek(randomBytes(32), randomBytes(32), { N: 1024, r: 8, p: 1 });
 * assert.equal(kek.length, 32);
 * ```
 */
export function deriveKek(
  secret: Uint8Array,
  salt: Uint8Array,
  params: KdfParams,
): Promise<Uint8Array> {
  if (!isSafeKdf(params)) {
    return Promise.reject(new RangeError("scrypt parameters out of bounds"));
  }
  const maxmem = 2 * scryptMemory(params);
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, KEY_BYTES, { ...params, maxmem }, (error, key) => {
      if (error) reject(error);
      else resolve(new Uint8Array(key));
    });
  });
}

function subKey(dek: Uint8Array, purpose: string): Uint8Array {
  const info = encoder.encode(`@scope/secrets v1 ${purpose}`);
  return new Uint8Array(
    hkdfSync("sha256", dek, new Uint8Array(), info, KEY_BYTES),
  );
}

/**
 * Derives the per-purpose sub-keys from the data key with HKDF-SHA256, so
 * that no key serves two jobs. From format 6 the name index key is the
 * vault's name key, made once and kept through rotations; before, it was
 * derived from the data key, and an upgrade keeps that one as the name key.
 *
 * @example Derive one sub-key per purpose
 * ```ts
 * import { deriveSubKeys, randomBytes } from "./crypto.ts";
 * import assert from "node:assert/strict";
 * const keys = deriveSubKeys(randomBytes(32));
 * assert.equal(keys.value.length, 32);
 * ```
 */
export function deriveSubKeys(
  dek: Uint8Array,
  nameKey: Uint8Array = subKey(dek, "name index"),
): SubKeys {
  return {
    value: subKey(dek, "value encryption"),
    index: nameKey.slice(),
    row: subKey(dek, "row mac"),
    tag: subKey(dek, "integrity tag"),
    seal: subKey(dek, "file seal"),
    check: subKey(dek, "key check"),
  };
}

/**
 * HKDF-SHA256 of `secret` into one 256-bit key: the key-encryption key of
 * a slot whose secret is already full-entropy (a keyfile, a generated key),
 * where stretching would add cost and no security.
 *
 * @example Derive a key from full-entropy input
 * ```ts
 * import { hkdf, randomBytes } from "./crypto.ts";
 * import assert from "node:assert/strict";
 * assert.equal(hkdf(randomBytes(32), randomBytes(32), "kek").length, 32);
 * ```
 */
export function hkdf(
  secret: Uint8Array,
  salt: Uint8Array,
  info: string,
): Uint8Array {
  return new Uint8Array(
    hkdfSync("sha256", secret, salt, encoder.encode(info), KEY_BYTES),
  );
}

// Every read that finds nothing compares the stored key check with this
// one (was the key rotated meanwhile?): computed once per data key.
const keyChecks = new WeakMap<SubKeys, Uint8Array>();

/**
 * The vault's key check: an HMAC of a fixed string under the data key's
 * check sub-key. Stored once, it shows whether a slot unwrapped this
 * vault's data key or some other.
 *
 * @example Compute the vault's key check
 * ```ts
 * import { deriveSubKeys, keyCheck, randomBytes } from "./crypto.ts";
 * import assert from "node:assert/strict";
 * assert.equal(keyCheck(deriveSubKeys(randomBytes(32))).length, 32);
 * ```
 */
export function keyCheck(keys: SubKeys): Uint8Array {
  let check = keyChecks.get(keys);
  if (check === undefined) {
    check = hmac(keys.check, encoder.encode("@scope/secrets key check"));
    keyChecks.set(keys, check);
  }
  return check.slice();
}
