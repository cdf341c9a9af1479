/**
 * The `entries` table as statements prepared once per connection, with the
 * `history` and `meta` tables of that connection beside it (every write
 * touches all three). Every read that returns many rows goes through
 * `all()` in batches: `node:sqlite`'s lazy `iterate()` ends silently at a
 * damaged page.
 *
 * @module
 */

import { InitializationError } from "../errors.ts";
import {
  type HistoryTable,
  historyTable,
  NO_HISTORY,
} from "./history_table.ts";
import {
  type AnnotationTable,
  annotationTable,
  exposureTable,
  NO_ANNOTATIONS,
  replicaTable,
} from "./annotation_table.ts";
import {
  deleteMetaValue,
  insertMetaValue,
  type MetaTable,
  metaTable,
} from "./meta_table.ts";
import { UNVERSIONED_VERSION } from "./rows.ts";
import {
  DESTROYED_KEY,
  FORMAT_VERSION,
  INTEGRITY_KEY,
  LAST_UNANNOTATED_FORMAT,
  LAST_UNSHARED_FORMAT,
  LAST_UNSYNCED_FORMAT,
  LAST_UNVERSIONED_FORMAT,
} from "./schema.ts";
import {
  type EntryRow,
  VERSION_COLUMNS,
  type VersionColumns,
  versionParams,
} from "./columns.ts";
import type { Row, Store } from "./store.ts";

const ROW_COLUMNS = `${VERSION_COLUMNS}, name, created`;

/** What a `SELECT` reads of an entry, by format. */
interface Columns {
  /** The current version's columns. */
  version: string;
  /** Every column. */
  row: string;
  /** The name hash, the expiry and the version. */
  head: string;
}

const VERSIONED: Columns = {
  version: VERSION_COLUMNS,
  row: ROW_COLUMNS,
  head: "name_hash, expires, version",
};

// An entry of formats 1 to 3 reads as text that never expires, at the
// version whose value was sealed with no version or kind.
const UNVERSIONED_VERSION_COLUMNS =
  `name_hash, ${UNVERSIONED_VERSION} AS version, value, 'text' AS kind, ` +
  "NULL AS expires, updated";
const UNVERSIONED_COLUMNS: Columns = {
  version: UNVERSIONED_VERSION_COLUMNS,
  row: `${UNVERSIONED_VERSION_COLUMNS}, name, created`,
  head: `name_hash, NULL AS expires, ${UNVERSIONED_VERSION} AS version`,
};

function columnsOf(format: number): Columns {
  return format > LAST_UNVERSIONED_FORMAT ? VERSIONED : UNVERSIONED_COLUMNS;
}
const SCAN_BATCH = 256;
const READ_ONLY =
  "a vault of an earlier format is read-only until a normal open upgrades it";

/** The entries table of one connection. */
export interface EntryTable {
  /** One row by name hash. */
  row(hash: string): EntryRow | undefined;
  /**
   * One row's current version, without the name: what a read of the value
   * needs, and no more.
   */
  current(hash: string): VersionColumns | undefined;
  /** Calls `visit` with every name hash, expiry and version, in batches. */
  eachHead(
    visit: (hash: string, expires: number | null, version: number) => void,
  ): void;
  /**
   * Calls `visit` with every name hash and its encrypted name, in batches,
   * so the names are never all in memory at once.
   */
  eachName(visit: (hash: string, name: unknown) => void): void;
  /** Inserts or replaces a row. */
  put(row: EntryRow): void;
  /** Deletes a row. */
  remove(hash: string): void;
  /** The entries' earlier versions. */
  history: HistoryTable;
  /** The entries' annotations. */
  annotations: AnnotationTable;
  /** The entries' exposure marks (format 6). */
  exposures: AnnotationTable;
  /** The merge bases of a copy that syncs (format 7). */
  replica: AnnotationTable;
  /** The settings and records of `meta`. */
  meta: MetaTable;
}

/**
 * Prepares the statements of the entries table on `store`.
 */
export function entryTable(
  store: Store,
  format: number = FORMAT_VERSION,
): EntryTable {
  const columns = columnsOf(format);
  const versioned = columns === VERSIONED;
  const selectRow = store.prepare(
    `SELECT ${columns.row} FROM entries WHERE name_hash = ?`,
  );
  const selectCurrent = store.prepare(
    `SELECT ${columns.version} FROM entries WHERE name_hash = ?`,
  );
  const selectHeads = batches(store, "entries", columns.head);
  const selectNames = batches(store, "entries", "name_hash, name");
  // A vault of an earlier format is only read (by recovery) until upgraded.
  const upsert = versioned
    ? store.prepare(
      `INSERT OR REPLACE INTO entries (${ROW_COLUMNS}) ` +
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    : null;
  const remove = store.prepare("DELETE FROM entries WHERE name_hash = ?");
  return {
    row: (hash) => selectRow.get(hash) as EntryRow | undefined,
    current: (hash) => selectCurrent.get(hash) as VersionColumns | undefined,
    eachHead: (visit) => {
      for (const row of selectHeads()) {
        visit(
          row.name_hash as string,
          row.expires as number | null,
          row.version as number,
        );
      }
    },
    eachName: (visit) => {
      for (const row of selectNames()) visit(row.name_hash as string, row.name);
    },
    put: (row) => {
      if (upsert === null) throw new InitializationError(READ_ONLY);
      upsert.run(...versionParams(row), row.name, row.created);
    },
    remove: (hash) => {
      remove.run(hash);
    },
    history: versioned ? historyTable(store) : NO_HISTORY,
    annotations: format > LAST_UNANNOTATED_FORMAT
      ? annotationTable(store)
      : NO_ANNOTATIONS,
    exposures: format > LAST_UNSHARED_FORMAT
      ? exposureTable(store)
      : NO_ANNOTATIONS,
    replica: format > LAST_UNSYNCED_FORMAT
      ? replicaTable(store)
      : NO_ANNOTATIONS,
    meta: metaTable(store, versioned),
  };
}

/**
 * A reader of `columns` of every row of `table` (keyed by `name_hash`), a
 * few hundred rows at a time in name-hash order: memory stays flat, and a
 * damaged page throws (a lazy `iterate()` would end silently).
 */
export function batches(
  store: Store,
  table: string,
  columns: string,
): () => Generator<Row> {
  const batch = store.prepare(
    `SELECT ${columns} FROM ${table} WHERE name_hash > ? ` +
      "ORDER BY name_hash LIMIT ?",
  );
  return function* (): Generator<Row> {
    for (let after = "";;) {
      const rows = batch.all(after, SCAN_BATCH);
      yield* rows;
      if (rows.length < SCAN_BATCH) return;
      after = rows[rows.length - 1].name_hash as string;
    }
  };
}

/** Every entry row, read in batches (see `batches`). */
export function* entryRows(
  store: Store,
  format: number = FORMAT_VERSION,
): Generator<EntryRow> {
  for (const row of batches(store, "entries", columnsOf(format).row)()) {
    yield row as unknown as EntryRow;
  }
}

/**
 * Empties the vault and marks it destroyed with `marker` (the MAC only the
 * data key makes), in the caller's transaction: every entry and earlier
 * version goes (overwritten on disk, with `secure_delete`) and so does the
 * integrity record, so every other connection's next write fails and
 * finds the marker. The key slots and the key check stay until the file
 * goes, so that an open which finds the marker can check it.
 */
export function markDestroyed(store: Store, marker: Uint8Array): void {
  store.exec("DELETE FROM entries");
  const table = store.prepare(
    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
  );
  if (table.get("history") !== undefined) store.exec("DELETE FROM history");
  for (const sealed of ["annotations", "exposures", "replica"]) {
    if (table.get(sealed) !== undefined) store.exec(`DELETE FROM ${sealed}`);
  }
  deleteMetaValue(store, INTEGRITY_KEY);
  insertMetaValue(store, DESTROYED_KEY, marker);
}
