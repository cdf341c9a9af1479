/**
 * The `meta` table's one reader and writer: the rows a vault's writes read
 * and keep (the integrity record, the history limit, the key check and the
 * destroyed marker) as statements prepared once per connection, the format
 * and the key record of old formats, and the single rows other modules
 * keep there (a pending rewrite, an upgrade's settings).
 *
 * @module
 */

import { InitializationError, IntegrityError } from "../errors.ts";
import { MAX_HISTORY_LIMIT } from "../limits.ts";
import { readKdfParams } from "../crypto.ts";
import {
  COPY_RECIPIENT_KEY,
  COPY_WRAP_KEY,
  DESTROYED_KEY,
  FORMAT_VERSION,
  HISTORY_LIMIT_KEY,
  INTEGRITY_KEY,
  KEY_CHECK_KEY,
  type SingleKeyRecord,
  VAULT_ID_KEY,
} from "./schema.ts";
import type { Row, SqlValue, Store } from "./store.ts";

/** Reads one `meta` value by key. */
const SELECT_META = "SELECT value FROM meta WHERE key = ?";

const READ_ONLY =
  "a vault of an earlier format is read-only until a normal open upgrades it";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The `meta` rows of one connection. */
export interface MetaTable {
  /** The integrity record as stored, unchecked. */
  integrity(): SqlValue | undefined;
  /** Replaces the integrity record. */
  writeIntegrity(record: Uint8Array): void;
  /** Whether `destroy()` has marked this vault. */
  destroyedMarker(): Uint8Array | null;
  /** The stored key check, or `null` before format 3. */
  keyCheck(): Uint8Array | null;
  /**
   * The key check and the destroyed marker, read in one statement: what a
   * read that found nothing checks, to tell a miss from a vault closed
   * under it.
   */
  closingState(): { keyCheck: Uint8Array | null; marker: Uint8Array | null };
  /** How many earlier versions each entry keeps. */
  historyLimit(): number;
  /** Replaces the history limit. */
  writeHistoryLimit(limit: number): void;
}

/**
 * The stored form of a history limit: what the `meta` row holds and its
 * setting MAC covers.
 */
export function encodeHistoryLimit(limit: number): Uint8Array {
  return encoder.encode(JSON.stringify(limit));
}

function decodeHistoryLimit(value: SqlValue | undefined): number {
  const limit = value instanceof Uint8Array
    ? Number(decoder.decode(value))
    : NaN;
  if (!Number.isInteger(limit) || limit < 0 || limit > MAX_HISTORY_LIMIT) {
    throw new IntegrityError("the meta table lacks a valid history limit");
  }
  return limit;
}

/**
 * Prepares the statements of the `meta` table on `store`; `versioned` is
 * whether the vault has a history limit (format 4 and later).
 */
export function metaTable(store: Store, versioned: boolean): MetaTable {
  const selectMeta = store.prepare(SELECT_META);
  const updateMeta = store.prepare("UPDATE meta SET value = ? WHERE key = ?");
  const selectClosing = store.prepare(
    "SELECT key, value FROM meta WHERE key IN (?, ?)",
  );
  return {
    integrity: () => selectMeta.get(INTEGRITY_KEY)?.value,
    writeIntegrity: (record) => {
      updateMeta.run(record, INTEGRITY_KEY);
    },
    destroyedMarker: () => readDestroyedMarker(selectMeta.get(DESTROYED_KEY)),
    keyCheck: () => keyCheckOf(selectMeta.get(KEY_CHECK_KEY)),
    closingState: () => {
      const rows = selectClosing.all(KEY_CHECK_KEY, DESTROYED_KEY);
      const row = (key: string) => rows.find((found) => found.key === key);
      return {
        keyCheck: keyCheckOf(row(KEY_CHECK_KEY)),
        marker: readDestroyedMarker(row(DESTROYED_KEY)),
      };
    },
    historyLimit: () =>
      versioned
        ? decodeHistoryLimit(selectMeta.get(HISTORY_LIMIT_KEY)?.value)
        : 0,
    writeHistoryLimit: (limit) => {
      if (!versioned) throw new InitializationError(READ_ONLY);
      updateMeta.run(encodeHistoryLimit(limit), HISTORY_LIMIT_KEY);
    },
  };
}

function keyCheckOf(row: Row | undefined): Uint8Array | null {
  return row?.value instanceof Uint8Array ? row.value : null;
}

function readDestroyedMarker(row: Row | undefined): Uint8Array | null {
  if (row === undefined) return null;
  return row.value instanceof Uint8Array ? row.value : new Uint8Array();
}

/**
 * The destroyed marker, or `null` when there is none; any value that is
 * not a blob reads as an empty (never verifying) marker.
 */
export function destroyedMarker(store: Store): Uint8Array | null {
  return readDestroyedMarker(store.prepare(SELECT_META).get(DESTROYED_KEY));
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

function isNameList(value: unknown): value is string[] {
  return Array.isArray(value) &&
    value.every((item) => typeof item === "string");
}

/**
 * The vault's format, checked: a format newer than this version reads is
 * {@linkcode InitializationError} naming both.
 */
export function readFormat(store: Store): number {
  const format = json(store.prepare(SELECT_META).get("format"), "format");
  if (typeof format !== "number" || !Number.isInteger(format) || format < 1) {
    throw new IntegrityError("the meta table lacks a valid format");
  }
  if (format > FORMAT_VERSION) {
    throw new InitializationError(
      `the vault has format ${format}; this version reads up to ${FORMAT_VERSION}: upgrade @scope/secrets`,
    );
  }
  return format;
}

/**
 * Reads and checks the key record of a format 1 or 2 vault.
 */
export function readSingleKey(store: Store): SingleKeyRecord {
  const select = store.prepare(SELECT_META);
  const kdf = readKdfParams(json(select.get("kdf"), "kdf"));
  if (kdf === null) {
    throw new IntegrityError(
      "the meta table's KDF parameters are malformed or above the maxima this version runs",
    );
  }
  const factors = json(select.get("factors"), "factors");
  if (!isNameList(factors)) {
    throw new IntegrityError("the meta table lacks valid factors");
  }
  return {
    format: readFormat(store),
    kdf,
    salt: bytes(select.get("salt"), "salt"),
    factors,
    wrappedKey: bytes(select.get("key"), "key"),
  };
}

/**
 * The key check, or `null` in a vault of a format before 3, or one being
 * destroyed.
 */
export function readKeyCheck(store: Store): Uint8Array | null {
  return keyCheckOf(store.prepare(SELECT_META).get(KEY_CHECK_KEY));
}

/**
 * Writes a new vault's `meta` record: the format, the key check, the
 * first integrity record and the history limit. Call inside the transaction that creates the
 * schema.
 */
export function writeMeta(
  store: Store,
  check: Uint8Array,
  integrity: Uint8Array,
  historyLimit: number,
): void {
  const insert = store.prepare("INSERT INTO meta (key, value) VALUES (?, ?)");
  const pairs: [string, SqlValue][] = [
    ["format", encodeJson(FORMAT_VERSION)],
    [KEY_CHECK_KEY, check],
    [INTEGRITY_KEY, integrity],
    [HISTORY_LIMIT_KEY, encodeJson(historyLimit)],
  ];
  for (const [key, value] of pairs) insert.run(key, value);
}

/** Records that the vault now has `format`; call inside a write transaction. */
export function writeFormat(store: Store, format: number): void {
  store.prepare("UPDATE meta SET value = ? WHERE key = 'format'").run(
    encodeJson(format),
  );
}

/** The value `meta` holds under `key`, or `undefined`. */
export function readMetaValue(
  store: Store,
  key: string,
): SqlValue | undefined {
  return store.prepare(SELECT_META).get(key)?.value;
}

/**
 * Adds the row `key`; one already there (planted: the engine never writes
 * one twice) fails the write as a constraint, which the caller's error
 * translation makes an {@linkcode IntegrityError}.
 */
export function insertMetaValue(
  store: Store,
  key: string,
  value: SqlValue,
): void {
  store.prepare("INSERT INTO meta (key, value) VALUES (?, ?)").run(key, value);
}

/** Stores `value` under `key`, replacing what was there. */
export function setMetaValue(store: Store, key: string, value: SqlValue): void {
  store.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)").run(
    key,
    value,
  );
}

/** Removes the row `key`, if there is one. */
export function deleteMetaValue(store: Store, key: string): void {
  store.prepare("DELETE FROM meta WHERE key = ?").run(key);
}

/**
 * A copy's record (format 6): the vault's id, this copy's public key and
 * the data key and name key wrapped to it.
 */
export interface CopyRecord {
  /** The vault's random id, the same in every copy. */
  vaultId: Uint8Array;
  /** This copy's X25519 public key. */
  recipient: Uint8Array;
  /** The keys, wrapped to it. */
  wrap: Uint8Array;
}

/** The copy record; a missing or malformed one is {@linkcode IntegrityError}. */
export function readCopyRecord(store: Store): CopyRecord {
  const select = store.prepare(SELECT_META);
  return {
    vaultId: bytes(select.get(VAULT_ID_KEY), VAULT_ID_KEY),
    recipient: bytes(select.get(COPY_RECIPIENT_KEY), COPY_RECIPIENT_KEY),
    wrap: bytes(select.get(COPY_WRAP_KEY), COPY_WRAP_KEY),
  };
}

/** Stores the copy record; call inside a write transaction. */
export function writeCopyRecord(store: Store, record: CopyRecord): void {
  const rows: [string, Uint8Array][] = [
    [VAULT_ID_KEY, record.vaultId],
    [COPY_RECIPIENT_KEY, record.recipient],
    [COPY_WRAP_KEY, record.wrap],
  ];
  for (const [key, value] of rows) setMetaValue(store, key, value);
}

/**
 * Stores a new epoch's copy record and the key check of its data key;
 * call inside a write transaction.
 */
export function writeEpochMeta(
  store: Store,
  copy: CopyRecord,
  check: Uint8Array,
): void {
  writeCopyRecord(store, copy);
  store.prepare("UPDATE meta SET value = ? WHERE key = ?").run(
    check,
    KEY_CHECK_KEY,
  );
}
