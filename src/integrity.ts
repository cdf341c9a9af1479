/**
 * Integrity in two layers. The accumulator is authoritative: each row has a
 * MAC, the vault keeps X, the XOR of all row MACs, with the row count and
 * tag = HMAC(k_tag, X || count), and every write updates them in its own
 * transaction, so a write costs O(1) and the database is always
 * self-consistent. The file seal is the fast path: an HMAC of `store.db`
 * after a full checkpoint, kept in `meta.json`, so an open of a vault
 * exactly as it was closed skips the O(N) verification.
 *
 * @module
 */

import { join } from "node:path";
import { createHmac } from "node:crypto";
import { equalBytes, hmac, KEY_BYTES, type SubKeys } from "./crypto.ts";
import { IntegrityError } from "./errors.ts";
import { FILE_MODE, VAULT_FILES, writeAtomic } from "./fs.ts";
import {
  checkSchema,
  type EntryRow,
  INTEGRITY_KEY,
  SELECT_META,
} from "./schema.ts";
import type { Statement, Store } from "./store.ts";

/** The running integrity state: X and the row count. */
export interface Accumulator {
  /** XOR of every row's MAC. */
  x: Uint8Array;
  /** How many rows there are. */
  count: number;
}

const COUNT_BYTES = 8;
const RECORD_BYTES = KEY_BYTES + COUNT_BYTES + KEY_BYTES;
const READ_CHUNK = 1 << 20;
const encoder = new TextEncoder();

/**
 * The MAC of one row over its canonical bytes: each variable field
 * length-prefixed, so no two rows share an encoding.
 *
 * @example
 * ```ts
 * import { rowMac } from "./integrity.ts";
 * const row = { name_hash: "h", name: new Uint8Array(1), value: new Uint8Array(1), created: 1, updated: 2 };
 * console.assert(rowMac(new Uint8Array(32), row).length === 32);
 * ```
 */
export function rowMac(key: Uint8Array, row: EntryRow): Uint8Array {
  const hash = encoder.encode(row.name_hash);
  const fields = [hash, row.name, row.value];
  const size = fields.reduce((sum, field) => sum + 4 + field.length, 16);
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  let at = 0;
  for (const field of fields) {
    view.setUint32(at, field.length);
    bytes.set(field, at + 4);
    at += 4 + field.length;
  }
  view.setFloat64(at, row.created);
  view.setFloat64(at + 8, row.updated);
  return hmac(key, bytes);
}

/**
 * XORs `mac` into `x` in place: adding a row's MAC and removing it are the
 * same step.
 *
 * @example
 * ```ts
 * import { xorInto } from "./integrity.ts";
 * const x = new Uint8Array([1, 2]);
 * xorInto(x, new Uint8Array([1, 2]));
 * console.assert(x.every((b) => b === 0));
 * ```
 */
export function xorInto(x: Uint8Array, mac: Uint8Array): void {
  for (let i = 0; i < x.length; i++) x[i] ^= mac[i];
}

/**
 * The integrity record for `acc`: X, the count, and their tag.
 *
 * @example
 * ```ts
 * import { decodeIntegrity, encodeIntegrity } from "./integrity.ts";
 * const key = new Uint8Array(32);
 * const record = encodeIntegrity(key, { x: new Uint8Array(32), count: 3 });
 * console.assert(decodeIntegrity(key, record).count === 3);
 * ```
 */
export function encodeIntegrity(
  tagKey: Uint8Array,
  acc: Accumulator,
): Uint8Array {
  const record = new Uint8Array(RECORD_BYTES);
  record.set(acc.x);
  new DataView(record.buffer).setBigUint64(KEY_BYTES, BigInt(acc.count));
  record.set(
    hmac(tagKey, record.subarray(0, KEY_BYTES + COUNT_BYTES)),
    KEY_BYTES + COUNT_BYTES,
  );
  return record;
}

/**
 * Checks an integrity record's tag and returns its accumulator; a record
 * that is malformed or fails its tag is {@linkcode IntegrityError}.
 */
export function decodeIntegrity(
  tagKey: Uint8Array,
  record: unknown,
): Accumulator {
  if (!(record instanceof Uint8Array) || record.length !== RECORD_BYTES) {
    throw new IntegrityError("the integrity record is missing or malformed");
  }
  const body = record.subarray(0, KEY_BYTES + COUNT_BYTES);
  if (
    !equalBytes(hmac(tagKey, body), record.subarray(KEY_BYTES + COUNT_BYTES))
  ) {
    throw new IntegrityError("the integrity tag does not verify");
  }
  const count = new DataView(record.buffer, record.byteOffset).getBigUint64(
    KEY_BYTES,
  );
  return { x: record.slice(0, KEY_BYTES), count: Number(count) };
}

/**
 * Reads the integrity record through `selectMeta` (a prepared
 * {@linkcode SELECT_META}), checking its tag.
 */
export function readIntegrity(
  selectMeta: Statement,
  tagKey: Uint8Array,
): Accumulator {
  return decodeIntegrity(tagKey, selectMeta.get(INTEGRITY_KEY)?.value);
}

/**
 * Verifies the whole vault in one snapshot: SQLite's own structure check,
 * the schema, the integrity tag, and X and the count recomputed from every
 * row. O(N); the open path runs it only when the file seal does not match.
 * Throws {@linkcode IntegrityError}.
 */
export function verifyVault(store: Store, keys: SubKeys): void {
  store.snapshot(() => {
    const check = store.prepare("PRAGMA quick_check").get();
    if (check?.quick_check !== "ok") {
      throw new IntegrityError(
        "store.db is damaged: SQLite's structure check failed",
      );
    }
    checkSchema(store);
    const stored = readIntegrity(store.prepare(SELECT_META), keys.tag);
    const x = new Uint8Array(KEY_BYTES);
    let count = 0;
    const rows = store.prepare(
      "SELECT name_hash, name, value, created, updated FROM entries",
    );
    for (const row of rows.iterate()) {
      xorInto(x, rowMac(keys.row, row as unknown as EntryRow));
      count++;
    }
    if (count !== stored.count) {
      throw new IntegrityError(
        `the vault holds ${count} entries where its integrity record says ${stored.count}`,
      );
    }
    if (!equalBytes(x, stored.x)) {
      throw new IntegrityError("an entry was changed outside the engine");
    }
  });
}

/**
 * HMAC of the bytes of `store.db`, read in chunks so memory stays flat.
 */
export function hashDatabase(sealKey: Uint8Array, path: string): Uint8Array {
  const mac = createHmac("sha256", sealKey);
  using file = Deno.openSync(path, { read: true });
  const chunk = new Uint8Array(READ_CHUNK);
  for (let n = file.readSync(chunk); n !== null; n = file.readSync(chunk)) {
    mac.update(chunk.subarray(0, n));
  }
  return new Uint8Array(mac.digest());
}

/**
 * The seal stored in `meta.json`, or `null` when the file is missing or
 * unreadable: either way the open path verifies in full and writes it anew.
 */
export function readSeal(dir: string): Uint8Array | null {
  try {
    const meta = JSON.parse(Deno.readTextFileSync(join(dir, VAULT_FILES.seal)));
    if (typeof meta?.seal !== "string") return null;
    return Uint8Array.from(atob(meta.seal), (c) => c.charCodeAt(0));
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) throw error;
    return null;
  }
}

/** Writes the seal to `meta.json` atomically. */
export function writeSeal(dir: string, seal: Uint8Array, format: number): void {
  const text = JSON.stringify({
    format,
    seal: btoa(String.fromCharCode(...seal)),
  });
  writeAtomic(dir, VAULT_FILES.seal, encoder.encode(`${text}\n`), FILE_MODE);
}
