/**
 * The `history` table (format 4): each row is an earlier version of an
 * entry, keyed by the entry's name hash and the version number, with the
 * value still encrypted as it was when current. Statements are prepared
 * once per connection; scans go through `all()` in batches, as the entries
 * table's do.
 *
 * @module
 */

import { InitializationError } from "../errors.ts";
import { type HistoryRow, VERSION_COLUMNS, versionParams } from "./columns.ts";
import type { Store } from "./store.ts";

// A history row is a version, column for column.
const HISTORY_COLUMNS = VERSION_COLUMNS;
const SCAN_BATCH = 256;

/** The history table of one connection. */
export interface HistoryTable {
  /** Every kept version of the entry `hash`, newest first. */
  versions(hash: string): HistoryRow[];
  /** One kept version, or `undefined`. */
  version(hash: string, version: number): HistoryRow | undefined;
  /** The versions of `hash` beyond the newest `keep`, newest first. */
  beyond(hash: string, keep: number): HistoryRow[];
  /**
   * Up to `size` kept versions, of any entry, beyond the newest `keep` of
   * their entry, in key order after `after` (name hash, version): one batch
   * of a prune, so memory stays bounded however much history there is.
   */
  beyondBatch(
    keep: number,
    after: readonly [string, number],
    size: number,
  ): HistoryRow[];
  /** Stores a version. */
  put(row: HistoryRow): void;
  /** Deletes one version. */
  remove(hash: string, version: number): void;
  /** Deletes every version of `hash`. */
  removeAll(hash: string): void;
}

/**
 * Prepares the statements of the history table on `store`.
 */
export function historyTable(store: Store): HistoryTable {
  const select = `SELECT ${HISTORY_COLUMNS} FROM history`;
  const versions = store.prepare(
    `${select} WHERE name_hash = ? ORDER BY version DESC`,
  );
  const one = store.prepare(`${select} WHERE name_hash = ? AND version = ?`);
  const beyond = store.prepare(
    `${select} WHERE name_hash = ? ORDER BY version DESC LIMIT -1 OFFSET ?`,
  );
  // Counting the newer versions of a row reads its entry's few keys
  // through the primary key; pruning older ones never changes that count
  // for the rows after the cursor.
  const beyondBatch = store.prepare(
    `SELECT ${HISTORY_COLUMNS} FROM history AS h ` +
      "WHERE (name_hash, version) > (?, ?) AND (SELECT count(*) FROM history " +
      "WHERE name_hash = h.name_hash AND version > h.version) >= ? " +
      "ORDER BY name_hash, version LIMIT ?",
  );
  const insert = store.prepare(
    `INSERT INTO history (${HISTORY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const remove = store.prepare(
    "DELETE FROM history WHERE name_hash = ? AND version = ?",
  );
  const removeAll = store.prepare("DELETE FROM history WHERE name_hash = ?");
  return {
    versions: (hash) => versions.all(hash) as unknown as HistoryRow[],
    version: (hash, version) =>
      one.get(hash, version) as HistoryRow | undefined,
    beyond: (hash, keep) => beyond.all(hash, keep) as unknown as HistoryRow[],
    beyondBatch: (keep, [hash, version], size) =>
      beyondBatch.all(hash, version, keep, size) as unknown as HistoryRow[],
    put: (row) => {
      insert.run(...versionParams(row));
    },
    remove: (hash, version) => {
      remove.run(hash, version);
    },
    removeAll: (hash) => {
      removeAll.run(hash);
    },
  };
}

/**
 * The history of a vault of an earlier format, which had none: it reads
 * as empty, and such a vault is only read until it is upgraded.
 */
export const NO_HISTORY: HistoryTable = {
  versions: () => [],
  version: () => undefined,
  beyond: () => [],
  beyondBatch: () => [],
  put: noHistory,
  remove: noHistory,
  removeAll: noHistory,
};

function noHistory(): never {
  throw new InitializationError(
    "a vault of an earlier format has no history until a normal open upgrades it",
  );
}

/**
 * Every kept version, read a few hundred rows at a time in key order:
 * memory stays flat, and a damaged page throws.
 */
export function* historyRows(store: Store): Generator<HistoryRow> {
  const batch = store.prepare(
    `SELECT ${HISTORY_COLUMNS} FROM history WHERE (name_hash, version) > ` +
      "(?, ?) ORDER BY name_hash, version LIMIT ?",
  );
  for (let after: [string, number] = ["", 0];;) {
    const rows = batch.all(...after, SCAN_BATCH) as unknown as HistoryRow[];
    yield* rows;
    if (rows.length < SCAN_BATCH) return;
    const last = rows[rows.length - 1];
    after = [last.name_hash, last.version];
  }
}
