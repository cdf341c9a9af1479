/**
 * Writing entries: each change runs in one `BEGIN IMMEDIATE` transaction
 * that reads the integrity accumulator (checking its tag), changes rows and
 * XORs their MACs in and out, and writes the accumulator back, so a write
 * costs O(1) in the size of the vault and concurrent writers never see or
 * leave a stale one.
 *
 * @module
 */

import type { SubKeys } from "../crypto.ts";
import type { EntryTable } from "./entry_table.ts";
import type { Accumulator } from "./accumulator.ts";
import { readAccumulator } from "./integrity.ts";
import { openAnnotation, sealAnnotation } from "./rows.ts";
import {
  type ClearValue,
  type RowTimes,
  type RowWrite,
  sealRow,
} from "./row_write.ts";
import { sealReplica } from "./replica_rows.ts";
import type { NameBase, SeenHead } from "../rules/replica.ts";
import {
  applyAnnotationChange,
  changesAnnotation,
} from "../rules/annotation.ts";
import type { AnnotationChange } from "../types.ts";
import type { SlotRow } from "./schema.ts";
import type { EntryRow, HistoryRow } from "./columns.ts";
import { deleteSlot, insertSlot, readSlots } from "./slot_table.ts";
import {
  type CopyRecord,
  readCopyRecord,
  writeCopyRecord,
} from "./meta_table.ts";
import { markRewrite, rewriteIfMarked } from "./rewrite.ts";
import { type Store, tryCheckpoint } from "./store.ts";

/**
 * What a read or write of entries needs: the connection, its statements
 * and the keys.
 */
export interface VaultStore {
  /** The database connection. */
  store: Store;
  /** The entries table's statements. */
  table: EntryTable;
  /** The data key's sub-keys. */
  keys: SubKeys;
}

/** One change inside a write transaction. */
export interface WriteSession {
  /**
   * Stores `value` as the next version of the entry `hash`, keeping the
   * one it replaces as history (within the vault's limit) and the row's
   * creation time unless `times` gives both.
   */
  put(
    hash: string,
    name: Uint8Array,
    value: ClearValue,
    times?: RowTimes,
  ): void;
  /** The row `hash`, as of this transaction. */
  row(hash: string): EntryRow | undefined;
  /**
   * Removes the row `hash` with its history and its annotation; `false`
   * when there was none.
   */
  remove(hash: string): boolean;
  /**
   * Applies `change` to the annotation of the entry `hash` (opened, changed
   * and sealed again here); nothing is written when it changes nothing.
   */
  annotate(hash: string, change: AnnotationChange): void;
  /**
   * Replaces the replica row `hash` (a merge base, or under `HEAD_KEY` the
   * remote head last seen) with `record` sealed, or removes it (`null`).
   */
  replicate(hash: string, record: NameBase | SeenHead | null): void;
}

/**
 * Runs `change` in one write transaction with the accumulator kept in step
 * with every row it puts or removes, first raising the vault's history
 * limit to `minHistoryLimit` if it is lower. When the change discarded a
 * ciphertext (a removal, a pruned version, a value replaced with no history
 * kept), the WAL is checkpointed and truncated after the commit, so no copy
 * of the files taken from then on holds it.
 */
export function writeEntries<T>(
  vault: VaultStore,
  now: number,
  change: (session: WriteSession) => T,
  minHistoryLimit = 0,
): T {
  const { store, table, keys } = vault;
  let discarded = false;
  const result = store.transaction(() => {
    const acc = readAccumulator(table, keys);
    const limit = Math.max(table.meta.historyLimit(), minHistoryLimit);
    if (limit !== table.meta.historyLimit()) {
      replaceHistoryLimit(table, acc, limit);
    }
    const result = change({
      put: (hash, name, value, times) => {
        const put = { hash, name, value, now, times };
        if (putVersion(vault, acc, limit, put)) discarded = true;
      },
      row: (hash) => table.row(hash),
      remove: (hash) => {
        const removed = remove(vault, acc, hash);
        if (removed) discarded = true;
        return removed;
      },
      annotate: (hash, change) => {
        if (!changesAnnotation(change)) return;
        const sealed = table.annotations.get(hash)?.sealed;
        const current = sealed === undefined
          ? null
          : openAnnotation(keys, hash, sealed);
        const next = applyAnnotationChange(current, change);
        const resealed = next === null
          ? null
          : sealAnnotation(keys, hash, next);
        if (annotate(table, acc, hash, resealed)) discarded = true;
      },
      replicate: (hash, record) => {
        const old = table.replica.get(hash);
        if (old !== undefined) {
          acc.removeReplica(old);
          table.replica.remove(hash);
          discarded = true;
        }
        if (record === null) return;
        const row = {
          name_hash: hash,
          sealed: sealReplica(keys, hash, record),
        };
        table.replica.put(row);
        acc.addReplica(row);
      },
    });
    acc.write(table.meta);
    return result;
  });
  if (discarded) tryCheckpoint(store);
  return result;
}

/** Writes one version; returns whether a ciphertext was discarded. */
function putVersion(
  { table, keys }: VaultStore,
  acc: Accumulator,
  limit: number,
  write: Omit<RowWrite, "current">,
): boolean {
  const current = table.row(write.hash);
  const row = sealRow(keys, { ...write, current });
  let discarded = false;
  if (current) {
    acc.replaceEntry(current, row);
    if (limit > 0) {
      const kept = historyOf(current);
      table.history.put(kept);
      acc.addHistory(kept);
    } else discarded = true;
    const pruned = table.history.beyond(write.hash, limit);
    dropHistory(table, acc, pruned);
    discarded ||= pruned.length > 0;
  } else acc.addEntry(row);
  table.put(row);
  return discarded;
}

/**
 * The history row that keeps `row`'s version. The ciphertext moves as it
 * is: its additional data names the entry, version and kind, which the
 * history row keeps.
 */
function historyOf(row: EntryRow): HistoryRow {
  const { name_hash, version, value, kind, expires, updated } = row;
  return { name_hash, version, value, kind, expires, updated };
}

function dropHistory(
  table: EntryTable,
  acc: Accumulator,
  rows: readonly HistoryRow[],
): void {
  for (const row of rows) {
    acc.removeHistory(row);
    table.history.remove(row.name_hash, row.version);
  }
}

function remove(
  { table }: VaultStore,
  acc: Accumulator,
  hash: string,
): boolean {
  const old = table.row(hash);
  if (!old) return false;
  acc.removeEntry(old);
  table.remove(hash);
  dropHistory(table, acc, table.history.versions(hash));
  annotate(table, acc, hash, null);
  // An entry's exposure marks go with it: a name set again later is a new
  // secret (docs/security.md says so).
  const marks = table.exposures.get(hash);
  if (marks !== undefined) {
    acc.removeExposure(marks);
    table.exposures.remove(hash);
  }
  return true;
}

/**
 * Replaces the annotation of `hash` (`null`: removes it), keeping the
 * accumulator in step; returns whether a sealed annotation was discarded.
 */
function annotate(
  table: EntryTable,
  acc: Accumulator,
  hash: string,
  sealed: Uint8Array | null,
): boolean {
  const old = table.annotations.get(hash);
  if (old !== undefined) {
    acc.removeAnnotation(old);
    table.annotations.remove(hash);
  }
  if (sealed !== null) {
    const row = { name_hash: hash, sealed };
    table.annotations.put(row);
    acc.addAnnotation(row);
  }
  return old !== undefined;
}

/** Replaces the history limit, keeping the accumulator in step. */
function replaceHistoryLimit(
  table: EntryTable,
  acc: Accumulator,
  limit: number,
): void {
  acc.replaceHistoryLimit(table.meta.historyLimit(), limit);
  table.meta.writeHistoryLimit(limit);
}

/** How many versions one transaction of a prune drops. */
const PRUNE_BATCH = 1000;

/**
 * Sets how many earlier versions each entry keeps, then drops every version
 * beyond it in batches of {@linkcode PRUNE_BATCH}, each its own transaction
 * (the first also changes the limit), yielding to the event loop between
 * them: memory stays bounded and the process responsive however much
 * history there is. Every batch leaves the accumulator in step; a version
 * a crash left beyond the limit goes with the next write to its entry.
 */
export async function writeHistoryLimit(
  vault: VaultStore,
  limit: number,
): Promise<void> {
  const { store, table, keys } = vault;
  let after: readonly [string, number] = ["", 0];
  let dropped = 0;
  for (let first = true;; first = false) {
    const batch = store.transaction(() => {
      const acc = readAccumulator(table, keys);
      if (first) replaceHistoryLimit(table, acc, limit);
      // Another engine may have changed the limit between batches.
      const keep = table.meta.historyLimit();
      const rows = table.history.beyondBatch(keep, after, PRUNE_BATCH);
      dropHistory(table, acc, rows);
      acc.write(table.meta);
      return rows;
    });
    dropped += batch.length;
    const last = batch.at(-1);
    if (last === undefined || batch.length < PRUNE_BATCH) break;
    after = [last.name_hash, last.version];
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  if (dropped > 0) tryCheckpoint(store);
}

/**
 * Removes, in one transaction, every entry stored under any hash of each
 * lookup, with its history; returns the lookups that found something.
 */
export function removeEntries(
  vault: VaultStore,
  lookups: readonly (readonly string[])[],
): (readonly string[])[] {
  return writeEntries(
    vault,
    Date.now(),
    (session) =>
      lookups.filter((hashes) =>
        hashes.map((hash) => session.remove(hash)).includes(true)
      ),
  );
}

/** A change to the key slots inside a write transaction. */
export interface SlotSession {
  /** Every slot, as of this transaction. */
  slots: readonly SlotRow[];
  /** Adds a slot. */
  add(slot: SlotRow): void;
  /** Removes a slot by id. */
  remove(slot: SlotRow): void;
  /** Replaces the copy record (format 6): this copy's key changed. */
  replaceCopy(record: CopyRecord): void;
}

/**
 * Runs `change` in one write transaction with the accumulator kept in step
 * with every slot it adds or removes, then rewrites the file (see
 * `rewrite.ts`): a removed slot must leave no copy of its wrapped key, and
 * the holder of a slot added must find nothing removed before it.
 */
export function writeSlots<T>(
  vault: VaultStore,
  change: (session: SlotSession) => T,
): T {
  const { store, table, keys } = vault;
  const result = store.transaction(() => {
    const acc = readAccumulator(table, keys);
    markRewrite(store);
    const result = change({
      slots: readSlots(store),
      add(slot): void {
        insertSlot(store, slot);
        acc.addSlot(slot);
      },
      remove(slot): void {
        deleteSlot(store, slot.id);
        acc.removeSlot(slot);
      },
      replaceCopy(record): void {
        // The MAC of a setting toggles in and out of the accumulator.
        acc.addCopy(readCopyRecord(store)).addCopy(record);
        writeCopyRecord(store, record);
      },
    });
    acc.write(table.meta);
    return result;
  });
  rewriteIfMarked(store);
  return result;
}
