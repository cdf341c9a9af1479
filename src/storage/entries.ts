/**
 * The `entries` table and the `meta` rows every write touches (the
 * integrity record, the destroyed marker), as statements prepared once per
 * connection. Every read that returns many rows goes through `all()` in
 * batches: `node:sqlite`'s lazy `iterate()` ends silently at a damaged page.
 *
 * @module
 */

import {
  DESTROYED_KEY,
  type EntryRow,
  INTEGRITY_KEY,
  KEY_CHECK_KEY,
  SELECT_META,
} from "./schema.ts";
import type { Row, SqlValue, Store } from "./store.ts";

const ROW_COLUMNS = "name_hash, name, value, created, updated";
const SCAN_BATCH = 256;

/** The entries table of one connection. */
export interface EntryTable {
  /** One row by name hash. */
  row(hash: string): EntryRow | undefined;
  /** One row's encrypted value. */
  value(hash: string): Uint8Array | undefined;
  /** Calls `visit` with every name hash, in batches. */
  eachHash(visit: (hash: string) => void): void;
  /**
   * Calls `visit` with every name hash and its encrypted name, in batches,
   * so the names are never all in memory at once.
   */
  eachName(visit: (hash: string, name: unknown) => void): void;
  /** Inserts or replaces a row. */
  put(row: EntryRow): void;
  /** Deletes a row. */
  remove(hash: string): void;
  /** The integrity record as stored, unchecked. */
  integrity(): SqlValue | undefined;
  /** Replaces the integrity record. */
  writeIntegrity(record: Uint8Array): void;
  /** Whether `destroy()` has marked this vault. */
  destroyed(): boolean;
  /** The stored key check, or `null` before format 3. */
  keyCheck(): Uint8Array | null;
}

/**
 * Prepares the statements of the entries table on `store`.
 *
 * @example
 * ```ts
 * import { entryTable } from "./entries.ts";
 * import { SCHEMA } from "./schema.ts";
 * import { openStore } from "./store.ts";
 * const path = `${Deno.makeTempDirSync()}/store.db`;
 * Deno.writeFileSync(path, new Uint8Array(), { mode: 0o600 });
 * const store = openStore(path, { busyTimeoutMs: 100 });
 * store.exec(SCHEMA.join(";"));
 * let hashes = 0;
 * entryTable(store).eachHash(() => hashes++);
 * console.assert(hashes === 0);
 * store.close();
 * ```
 */
export function entryTable(store: Store): EntryTable {
  const selectRow = store.prepare(
    `SELECT ${ROW_COLUMNS} FROM entries WHERE name_hash = ?`,
  );
  const selectValue = store.prepare(
    "SELECT value FROM entries WHERE name_hash = ?",
  );
  const selectHashes = batches(store, "name_hash");
  const selectNames = batches(store, "name_hash, name");
  const upsert = store.prepare(
    `INSERT OR REPLACE INTO entries (${ROW_COLUMNS}) VALUES (?, ?, ?, ?, ?)`,
  );
  const remove = store.prepare("DELETE FROM entries WHERE name_hash = ?");
  const selectMeta = store.prepare(SELECT_META);
  const updateMeta = store.prepare("UPDATE meta SET value = ? WHERE key = ?");
  return {
    row: (hash) => selectRow.get(hash) as EntryRow | undefined,
    value: (hash) => selectValue.get(hash)?.value as Uint8Array | undefined,
    eachHash: (visit) => selectHashes((row) => visit(row.name_hash as string)),
    eachName: (visit) =>
      selectNames((row) => visit(row.name_hash as string, row.name)),
    put: (row) => {
      upsert.run(row.name_hash, row.name, row.value, row.created, row.updated);
    },
    remove: (hash) => {
      remove.run(hash);
    },
    integrity: () => selectMeta.get(INTEGRITY_KEY)?.value,
    writeIntegrity: (record) => {
      updateMeta.run(record, INTEGRITY_KEY);
    },
    destroyed: () => selectMeta.get(DESTROYED_KEY) !== undefined,
    keyCheck: () => {
      const value = selectMeta.get(KEY_CHECK_KEY)?.value;
      return value instanceof Uint8Array ? value : null;
    },
  };
}

/**
 * A reader of `columns` of every entry, a few hundred rows at a time in
 * name-hash order: memory stays flat, and a damaged page throws (a lazy
 * `iterate()` would end silently).
 */
function batches(
  store: Store,
  columns: string,
): (visit: (row: Row) => void) => void {
  const batch = store.prepare(
    `SELECT ${columns} FROM entries WHERE name_hash > ? ` +
      "ORDER BY name_hash LIMIT ?",
  );
  return (visit) => {
    for (let after = "";;) {
      const rows = batch.all(after, SCAN_BATCH);
      rows.forEach(visit);
      if (rows.length < SCAN_BATCH) return;
      after = rows[rows.length - 1].name_hash as string;
    }
  };
}

/**
 * Calls `visit` with every entry row, in batches (see `batches`).
 *
 * @example
 * ```ts
 * import { scanEntries } from "./entries.ts";
 * import { SCHEMA } from "./schema.ts";
 * import { openStore } from "./store.ts";
 * const path = `${Deno.makeTempDirSync()}/store.db`;
 * Deno.writeFileSync(path, new Uint8Array(), { mode: 0o600 });
 * const store = openStore(path, { busyTimeoutMs: 100 });
 * store.exec(SCHEMA.join(";"));
 * let rows = 0;
 * scanEntries(store, () => rows++);
 * console.assert(rows === 0);
 * store.close();
 * ```
 */
export function scanEntries(
  store: Store,
  visit: (row: EntryRow) => void,
): void {
  batches(store, ROW_COLUMNS)((row) => visit(row as unknown as EntryRow));
}

/**
 * Empties the vault and marks it destroyed, in the caller's transaction:
 * every entry and every key slot or record goes (overwritten on disk, with
 * `secure_delete`), and the marker tells every other connection, and any
 * later open, that the vault is gone.
 *
 * @example
 * ```ts
 * import { entryTable, markDestroyed } from "./entries.ts";
 * import { SCHEMA } from "./schema.ts";
 * import { openStore } from "./store.ts";
 * const path = `${Deno.makeTempDirSync()}/store.db`;
 * Deno.writeFileSync(path, new Uint8Array(), { mode: 0o600 });
 * const store = openStore(path, { busyTimeoutMs: 100 });
 * store.exec(SCHEMA.join(";"));
 * store.transaction(() => markDestroyed(store));
 * console.assert(entryTable(store).destroyed());
 * store.close();
 * ```
 */
export function markDestroyed(store: Store): void {
  store.exec("PRAGMA secure_delete = ON");
  store.exec("DELETE FROM entries");
  const slots = store.prepare(
    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'slots'",
  );
  if (slots.get() !== undefined) store.exec("DELETE FROM slots");
  store.exec("DELETE FROM meta WHERE key <> 'format'");
  store.prepare("INSERT INTO meta (key, value) VALUES (?, ?)").run(
    DESTROYED_KEY,
    new Uint8Array([1]),
  );
}
