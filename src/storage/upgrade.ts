/**
 * The upgrades of the entry tables, each in the caller's transaction. From
 * format 3 to 4, every entry gets a kind (text), no expiry and version 1,
 * its value re-encrypted to bind them, an empty `history` table and the
 * history limit; the old row MACs are checked against the accumulator as
 * the rows are read, so an upgrade never launders a row changed outside the
 * engine into a vault that verifies. From format 4 to 5, an empty
 * `annotations` table. From format 5 to 6, the copy key and a new data
 * key, every row re-encrypted under it.
 *
 * @module
 */

import type { SubKeys } from "../crypto.ts";
import { IntegrityError } from "../errors.ts";
import { batches, entryTable } from "./entry_table.ts";
import {
  encodeHistoryLimit,
  insertMetaValue,
  metaTable,
  readFormat,
  writeFormat,
} from "./meta_table.ts";
import type { CopyRecord } from "./meta_table.ts";
import { writeEpoch } from "./epoch.ts";
import { Accumulator } from "./accumulator.ts";
import { type Cell, openCell, sealCell, UNVERSIONED_CELL } from "./rows.ts";
import {
  ANNOTATIONS_TABLE,
  ENTRIES_TABLE,
  EXPOSURES_TABLE,
  FORMAT_VERSION,
  HISTORY_LIMIT_KEY,
  HISTORY_TABLE,
  LAST_UNANNOTATED_FORMAT,
  LAST_UNSHARED_FORMAT,
  LAST_UNSYNCED_FORMAT,
  LAST_UNVERSIONED_FORMAT,
  REPLICA_TABLE,
} from "./schema.ts";
import type { UnversionedRow } from "./columns.ts";
import { readSlots } from "./slot_table.ts";
import type { Store } from "./store.ts";

const OLD_TABLE = "unversioned_entries";
const FIRST_VERSION = 1;
const FIRST_VALUE_CELL: Cell = {
  field: "value",
  version: FIRST_VERSION,
  kind: "text",
};

/**
 * Upgrades a format 3 vault to format 4, keeping `historyLimit` earlier
 * versions from now on, in the caller's write transaction; does nothing
 * when another process upgraded it first. A row, slot or count that does
 * not match the integrity record is {@linkcode IntegrityError}, and the
 * caller's rollback leaves nothing changed.
 */
export function upgradeToVersions(
  store: Store,
  keys: SubKeys,
  historyLimit: number,
): void {
  {
    if (readFormat(store) > LAST_UNVERSIONED_FORMAT) return;
    const meta = metaTable(store, false);
    const stored = Accumulator.read(meta, keys);
    // What the old rows add up to, to check against the record, and the
    // accumulator of the rows the upgrade writes.
    const found = Accumulator.empty(keys);
    const upgradedAcc = Accumulator.empty(keys);
    store.exec(`ALTER TABLE entries RENAME TO ${OLD_TABLE}`);
    store.exec(ENTRIES_TABLE);
    store.exec(HISTORY_TABLE);
    const table = entryTable(store, LAST_UNANNOTATED_FORMAT);
    const columns = "name_hash, name, value, created, updated";
    for (const read of batches(store, OLD_TABLE, columns)()) {
      const row = read as unknown as UnversionedRow;
      found.addUnversionedEntry(row);
      const hash = row.name_hash;
      const plain = openCell(keys, UNVERSIONED_CELL, hash, row.value);
      const upgraded = {
        ...row,
        value: sealCell(keys, FIRST_VALUE_CELL, hash, plain),
        kind: "text" as const,
        expires: null,
        version: FIRST_VERSION,
      };
      plain.fill(0);
      table.put(upgraded);
      upgradedAcc.addEntry(upgraded);
    }
    for (const slot of readSlots(store)) {
      found.addSlot(slot);
      upgradedAcc.addSlot(slot);
    }
    if (!found.matches(stored)) {
      throw new IntegrityError(
        `the vault was changed outside the engine, so it was not upgraded to format ${FORMAT_VERSION}; nothing was changed`,
      );
    }
    store.exec(`DROP TABLE ${OLD_TABLE}`);
    insertMetaValue(store, HISTORY_LIMIT_KEY, encodeHistoryLimit(historyLimit));
    upgradedAcc.addHistoryLimit(historyLimit).write(meta);
    writeFormat(store, LAST_UNANNOTATED_FORMAT);
  }
}

/**
 * Upgrades a format 4 vault to format 5, in the caller's write
 * transaction: an empty `annotations` table. No row changes, so the
 * integrity record stays as it is. Does nothing when another process
 * upgraded it first.
 */
export function upgradeToAnnotations(store: Store): void {
  if (readFormat(store) > LAST_UNANNOTATED_FORMAT) return;
  store.exec(ANNOTATIONS_TABLE);
  writeFormat(store, LAST_UNSHARED_FORMAT);
}

/**
 * Upgrades a format 5 vault to format 6, in the caller's write
 * transaction: an empty `exposures` table, the copy record `copy`, and
 * every row re-encrypted under `next` (a new data key: the old one is now
 * the copy secret the local slots wrap, which no member may ever learn).
 * The name key is the old index key, so no name hash changes. Returns
 * `false`, changing nothing, when another process upgraded it first.
 */
export function upgradeToShared(
  store: Store,
  keys: SubKeys,
  next: SubKeys,
  copy: CopyRecord,
): boolean {
  if (readFormat(store) > LAST_UNSHARED_FORMAT) return false;
  store.exec(EXPOSURES_TABLE);
  const table = entryTable(store, LAST_UNSYNCED_FORMAT);
  const slots = readSlots(store);
  // Every slot stays as it is: it wraps the old data key, now the copy
  // secret.
  writeEpoch({ store, table, keys }, {
    next,
    format: LAST_UNSYNCED_FORMAT,
    slots,
    rows: new Map(slots.map((slot) => [slot.id, slot])),
    copy,
  });
  writeFormat(store, LAST_UNSYNCED_FORMAT);
  return true;
}

/**
 * Upgrades a format 6 vault to format 7, in the caller's write
 * transaction: an empty `replica` table. No row changes, so the integrity
 * record stays as it is. Does nothing when another process upgraded it
 * first.
 */
export function upgradeToReplicas(store: Store): void {
  if (readFormat(store) > LAST_UNSYNCED_FORMAT) return;
  store.exec(REPLICA_TABLE);
  writeFormat(store, FORMAT_VERSION);
}
