/**
 * Rewriting the database file, so that nothing removed survives in it.
 *
 * `secure_delete` zeroes a deleted cell where it lies, but SQLite rebuilds
 * pages when it rebalances a b-tree without zeroing their unallocated
 * space, so an old copy of a cell that moved can outlive the cell. Only a
 * rewrite that builds every page afresh reaches those copies. It costs
 * O(N), so it runs where a
 * removal must revoke: after a rotation (cells under the old data key) and
 * after every key slot change (a removed slot's wrapped key; and before a
 * new slot's holder can read anything removed earlier).
 *
 * The rewrite is marked in `meta` in the transaction that needs it and
 * cleared after it ran, so a crash in between is finished by the next open.
 *
 * @module
 */

import { BusyError, StorageError } from "../errors.ts";
import { REWRITE_KEY } from "./schema.ts";
import { deleteMetaValue, readMetaValue, setMetaValue } from "./meta_table.ts";
import { type Store, tryCheckpoint } from "./store.ts";

const MARK = new Uint8Array([1]);

/**
 * Marks the database as needing a rewrite; call inside the write
 * transaction whose removals need it.
 */
export function markRewrite(store: Store): void {
  setMetaValue(store, REWRITE_KEY, MARK);
}

/**
 * The tables that hold secrets, wrapped keys or what was sealed under a
 * data key, in the order rewritten.
 */
const TABLES = [
  "entries",
  "history",
  "annotations",
  "exposures",
  "replica",
  "slots",
];

/**
 * Rewrites the tables if the database is marked, clearing the mark in the
 * same transaction, then truncates the WAL; returns whether it ran. Another
 * writer holding the lock past the busy timeout, or a full disk, leaves the
 * mark for the next call or open.
 */
export function rewriteIfMarked(store: Store): boolean {
  const marked = () => readMetaValue(store, REWRITE_KEY) !== undefined;
  if (!marked()) return false;
  try {
    const done = store.transaction(() => {
      if (!marked()) return false;
      deleteMetaValue(store, REWRITE_KEY);
      // Every table that holds secrets or wrapped keys is built into fresh
      // pages: copied to a temporary table in memory (`temp_store =
      // MEMORY`: nothing touches the disk), emptied (with `secure_delete`,
      // every page it held is zeroed as it is freed) and filled again.
      // `VACUUM` would do the same, but Deno's SQLite refuses the database
      // it attaches unless the process holds every permission.
      const present = store.prepare(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
      );
      for (const table of TABLES) {
        if (present.get(table) === undefined) continue;
        store.exec(
          `CREATE TEMP TABLE rewrite AS SELECT * FROM main.${table};` +
            `DELETE FROM main.${table};` +
            `INSERT INTO main.${table} SELECT * FROM temp.rewrite;` +
            "DROP TABLE temp.rewrite",
        );
      }
      return true;
    });
    if (done) tryCheckpoint(store);
    return done;
  } catch (error) {
    if (error instanceof BusyError || error instanceof StorageError) {
      return false;
    }
    throw error;
  }
}
