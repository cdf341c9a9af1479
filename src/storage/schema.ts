/**
 * The vault's tables and the `meta` record: format version, KDF salt and
 * parameters, binding factors, wrapped data key and integrity record.
 *
 * @module
 */

import { isSafeKdf, type KdfParams } from "../crypto.ts";
import { InitializationError, IntegrityError } from "../errors.ts";
import type { Row, SqlValue, Store } from "./store.ts";

/**
 * The on-disk format this version writes; it reads every format from 1 up.
 * Format 2 binds the key record's fields into the wrapped key's additional
 * data.
 */
export const FORMAT_VERSION = 2;

/**
 * The engine's schema, exactly as SQLite records it in `sqlite_master`. A
 * vault holding any other table, index, trigger or view has been tampered
 * with.
 */
export const SCHEMA: readonly string[] = [
  "CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID",
  "CREATE TABLE entries (name_hash TEXT PRIMARY KEY, name BLOB NOT NULL, " +
  "value BLOB NOT NULL, created INTEGER NOT NULL, updated INTEGER NOT NULL) " +
  "WITHOUT ROWID",
];

/** What the `meta` table holds, apart from the integrity record. */
export interface VaultMeta {
  /** The format version the vault was written in. */
  format: number;
  /** scrypt parameters for the key-encryption key. */
  kdf: KdfParams;
  /** scrypt salt. */
  salt: Uint8Array;
  /**
   * The names of the binding factors recorded at creation; `keys/` knows
   * what they mean.
   */
  factors: string[];
  /** The data key, wrapped by the key-encryption key. */
  wrappedKey: Uint8Array;
}

/** One stored entry, as the row MAC covers it. */
export interface EntryRow {
  /** HMAC of the name: the primary key. */
  name_hash: string;
  /** The encrypted name. */
  name: Uint8Array;
  /** The encrypted value. */
  value: Uint8Array;
  /** Creation time, milliseconds since the epoch. */
  created: number;
  /** Last write time, milliseconds since the epoch. */
  updated: number;
}

/** The `meta` key of the integrity record. */
export const INTEGRITY_KEY = "integrity";

/**
 * The `meta` key `destroy()` writes, in the transaction that empties the
 * vault, before it removes any file: a vault holding it is gone, whatever
 * files an interrupted removal left behind.
 */
export const DESTROYED_KEY = "destroyed";

/** Reads one `meta` value by key. */
export const SELECT_META = "SELECT value FROM meta WHERE key = ?";

/**
 * Whether the database holds nothing yet: a new file, or one whose creating
 * transaction never committed.
 *
 * @example
 * ```ts
 * import { isEmpty } from "./schema.ts";
 * import { openStore } from "./store.ts";
 * const path = `${Deno.makeTempDirSync()}/store.db`;
 * Deno.writeFileSync(path, new Uint8Array(), { mode: 0o600 });
 * const store = openStore(path, { busyTimeoutMs: 100 });
 * console.assert(isEmpty(store));
 * store.close();
 * ```
 */
export function isEmpty(store: Store): boolean {
  return store.prepare("SELECT 1 FROM sqlite_master LIMIT 1").get() ===
    undefined;
}

/**
 * Throws {@linkcode IntegrityError} unless the schema is exactly
 * {@linkcode SCHEMA}: no table, index, trigger or view beyond the engine's.
 *
 * @example
 * ```ts
 * import { checkSchema, SCHEMA } from "./schema.ts";
 * import { openStore } from "./store.ts";
 * const path = `${Deno.makeTempDirSync()}/store.db`;
 * Deno.writeFileSync(path, new Uint8Array(), { mode: 0o600 });
 * const store = openStore(path, { busyTimeoutMs: 100 });
 * store.exec(SCHEMA.join(";"));
 * checkSchema(store);
 * store.close();
 * ```
 */
export function checkSchema(store: Store): void {
  const found = store.prepare("SELECT sql FROM sqlite_master").all()
    .map((row) => row.sql).sort();
  const expected = [...SCHEMA].sort();
  if (
    found.length !== expected.length ||
    found.some((sql, i) => sql !== expected[i])
  ) {
    throw new IntegrityError(
      "the database schema is not the engine's: objects were added or changed",
    );
  }
}

function bytes(row: Row | undefined, key: string): Uint8Array {
  const value = row?.value;
  if (!(value instanceof Uint8Array)) {
    throw new IntegrityError(`the meta table lacks a valid ${key}`);
  }
  return value;
}

function json(row: Row | undefined, key: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes(row, key)));
  } catch (error) {
    if (error instanceof IntegrityError) throw error;
    throw new IntegrityError(`the meta table lacks a valid ${key}`, {
      cause: error,
    });
  }
}

function encodeJson(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

function within(value: unknown, min: number, max: number): value is number {
  return typeof value === "number" && Number.isInteger(value) &&
    value >= min && value <= max;
}

function isKdf(value: unknown): value is KdfParams {
  if (typeof value !== "object" || value === null) return false;
  const { N, r, p } = value as Record<string, unknown>;
  return within(N, 1, 2 ** 30) && within(r, 1, 2 ** 10) &&
    within(p, 1, 2 ** 10) && isSafeKdf({ N, r, p });
}

function isNameList(value: unknown): value is string[] {
  return Array.isArray(value) &&
    value.every((item) => typeof item === "string");
}

/**
 * Reads and checks the `meta` record.
 *
 * @example
 * ```ts
 * import { readMeta, SCHEMA, writeMeta } from "./schema.ts";
 * import { openStore } from "./store.ts";
 * const path = `${Deno.makeTempDirSync()}/store.db`;
 * Deno.writeFileSync(path, new Uint8Array(), { mode: 0o600 });
 * const store = openStore(path, { busyTimeoutMs: 100 });
 * store.exec(SCHEMA.join(";"));
 * const meta = {
 *   format: 1,
 *   kdf: { N: 1024, r: 8, p: 1 },
 *   salt: new Uint8Array(32),
 *   factors: [],
 *   wrappedKey: new Uint8Array(60),
 * };
 * writeMeta(store, meta, new Uint8Array(72));
 * console.assert(readMeta(store).kdf.N === 1024);
 * store.close();
 * ```
 */
export function readMeta(store: Store): VaultMeta {
  const select = store.prepare(SELECT_META);
  const format = json(select.get("format"), "format");
  if (typeof format !== "number" || !Number.isInteger(format) || format < 1) {
    throw new IntegrityError("the meta table lacks a valid format");
  }
  if (format > FORMAT_VERSION) {
    throw new InitializationError(
      `the vault has format ${format}; this version reads up to ${FORMAT_VERSION}: upgrade @scope/secrets`,
    );
  }
  const kdf = json(select.get("kdf"), "kdf");
  if (!isKdf(kdf)) {
    throw new IntegrityError(
      "the meta table's KDF parameters are malformed or above the maxima this version runs",
    );
  }
  const factors = json(select.get("factors"), "factors");
  if (!isNameList(factors)) {
    throw new IntegrityError("the meta table lacks valid factors");
  }
  return {
    format,
    kdf: { N: kdf.N, r: kdf.r, p: kdf.p },
    salt: bytes(select.get("salt"), "salt"),
    factors,
    wrappedKey: bytes(select.get("key"), "key"),
  };
}

/**
 * Writes the `meta` record and the first integrity record; call inside the
 * transaction that creates the schema.
 */
export function writeMeta(
  store: Store,
  meta: VaultMeta,
  integrity: Uint8Array,
): void {
  const insert = store.prepare("INSERT INTO meta (key, value) VALUES (?, ?)");
  const pairs: [string, SqlValue][] = [
    ["format", encodeJson(meta.format)],
    ["kdf", encodeJson(meta.kdf)],
    ["salt", meta.salt],
    ["factors", encodeJson(meta.factors)],
    ["key", meta.wrappedKey],
    [INTEGRITY_KEY, integrity],
  ];
  for (const [key, value] of pairs) insert.run(key, value);
}

/**
 * Replaces the wrapped data key and the format it was wrapped for; call
 * inside a write transaction.
 */
export function writeWrappedKey(store: Store, meta: VaultMeta): void {
  const update = store.prepare("UPDATE meta SET value = ? WHERE key = ?");
  update.run(meta.wrappedKey, "key");
  update.run(encodeJson(meta.format), "format");
}
