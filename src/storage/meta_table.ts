/**
 * The `meta` rows a vault's writes read and keep: the integrity record, the
 * history limit, the key check and the destroyed marker, as statements
 * prepared once per connection.
 *
 * @module
 */

import { InitializationError, IntegrityError } from "../errors.ts";
import { MAX_HISTORY_LIMIT } from "../limits.ts";
import {
  DESTROYED_KEY,
  HISTORY_LIMIT_KEY,
  INTEGRITY_KEY,
  KEY_CHECK_KEY,
  SELECT_META,
} from "./schema.ts";
import type { Row, SqlValue, Store } from "./store.ts";

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
 *
 * @example Calling encodeHistoryLimit
 * ```ts
 * import { encodeHistoryLimit } from "./meta_table.ts";
 * import assert from "node:assert/strict";
 * assert.equal(new TextDecoder().decode(encodeHistoryLimit(10)), "10");
 * ```
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
 *
 * @example Read the history limit of a new vault
 * ```ts
 * import { metaTable } from "./meta_table.ts";
 * import { SCHEMA } from "./schema.ts";
 * import { openStore } from "./store.ts";
 * import assert from "node:assert/strict";
 * const dir = Deno.makeTempDirSync();
 * const path = `${dir}/store.db`;
 * Deno.writeFileSync(path, new Uint8Array(), { mode: 0o600 });
 * const store = openStore(path, { busyTimeoutMs: 100 });
 * store.exec(SCHEMA.join(";"));
 * assert.equal(metaTable(store, true).destroyedMarker(), null);
 * store.close();
 * Deno.removeSync(dir, { recursive: true });
 * ```
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
    keyCheck: () => readKeyCheck(selectMeta.get(KEY_CHECK_KEY)),
    closingState: () => {
      const rows = selectClosing.all(KEY_CHECK_KEY, DESTROYED_KEY);
      const row = (key: string) => rows.find((found) => found.key === key);
      return {
        keyCheck: readKeyCheck(row(KEY_CHECK_KEY)),
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

function readKeyCheck(row: Row | undefined): Uint8Array | null {
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
