/**
 * Entry rows on disk: the name and the value each encrypted with
 * AES-256-GCM under a fresh IV, with the row's name hash and the field as
 * additional data, so that a ciphertext moved to another row or column
 * fails to decrypt rather than returning another secret.
 *
 * @module
 */

import { decrypt, encrypt, type SubKeys } from "../crypto.ts";
import { DecryptionError } from "../errors.ts";
import type { EntryTable } from "./entries.ts";
import type { EntryRow } from "./schema.ts";

/** Which encrypted column of a row. */
export type Field = "name" | "value";

const HASH_PREFIX = 8;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

function fieldAad(field: Field, hash: string): Uint8Array {
  return encoder.encode(`${field}\0${hash}`);
}

/**
 * How errors and reports name an entry: a short prefix of its name hash,
 * never the name.
 *
 * @example
 * ```ts
 * import { entryLabel } from "./rows.ts";
 * console.assert(entryLabel("abcdefghijklmnop") === "entry abcdefgh");
 * ```
 */
export function entryLabel(hash: string): string {
  return `entry ${hash.slice(0, HASH_PREFIX)}`;
}

/** When a row was created and last written, in milliseconds since the epoch. */
export interface RowTimes {
  /** Creation time. */
  created: number;
  /** Last write time. */
  updated: number;
}

/**
 * The row that stores `value` under the name hash `hash`: the encrypted
 * name and creation time of `old` are kept when it exists, unless `times`
 * (a restore) says otherwise.
 *
 * @example
 * ```ts
 * import { sealRow } from "./rows.ts";
 * import { deriveSubKeys, randomBytes } from "../crypto.ts";
 * const keys = deriveSubKeys(randomBytes(32));
 * const row = sealRow(keys, "h", new Uint8Array([110]), new Uint8Array([1]), undefined, 5);
 * console.assert(row.created === 5 && row.updated === 5);
 * ```
 */
export function sealRow(
  keys: SubKeys,
  hash: string,
  name: Uint8Array,
  value: Uint8Array,
  old: EntryRow | undefined,
  now: number,
  times?: RowTimes,
): EntryRow {
  return {
    name_hash: hash,
    name: old?.name ?? encrypt(keys.value, name, fieldAad("name", hash)),
    value: encrypt(keys.value, value, fieldAad("value", hash)),
    created: times?.created ?? old?.created ?? now,
    updated: times?.updated ?? now,
  };
}

/**
 * Decrypts one field of the row `hash`; one that does not authenticate (or
 * is not a byte string at all) is {@linkcode DecryptionError}.
 *
 * @example
 * ```ts
 * import { openField, sealRow } from "./rows.ts";
 * import { deriveSubKeys, randomBytes } from "../crypto.ts";
 * const keys = deriveSubKeys(randomBytes(32));
 * const row = sealRow(keys, "h", new Uint8Array([110]), new Uint8Array([1]), undefined, 5);
 * console.assert(openField(keys, "value", "h", row.value)[0] === 1);
 * ```
 */
export function openField(
  keys: SubKeys,
  field: Field,
  hash: string,
  sealed: unknown,
): Uint8Array {
  const plain = sealed instanceof Uint8Array
    ? decrypt(keys.value, sealed, fieldAad(field, hash))
    : null;
  if (plain === null) {
    throw new DecryptionError(
      `the ${field} of ${
        entryLabel(hash)
      } does not decrypt: it was altered or moved`,
    );
  }
  return plain;
}

/**
 * The value stored under the first of `hashes` that holds one, decrypted
 * (the clear bytes zeroed once decoded), or `null`.
 */
export function readValue(
  table: EntryTable,
  keys: SubKeys,
  hashes: readonly string[],
): string | null {
  for (const hash of hashes) {
    const sealed = table.value(hash);
    if (sealed === undefined) continue;
    const plain = openField(keys, "value", hash, sealed);
    try {
      return decoder.decode(plain);
    } finally {
      plain.fill(0);
    }
  }
  return null;
}
