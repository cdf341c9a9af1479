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
import type { EntryTable } from "./entries.ts";
import {
  type Accumulator,
  encodeIntegrity,
  readAccumulator,
  rowMac,
  slotMac,
  xorInto,
} from "./integrity.ts";
import { type RowTimes, sealRow } from "./rows.ts";
import type { SlotRow } from "./schema.ts";
import { deleteSlot, insertSlot, readSlots } from "./slot_table.ts";
import type { Store } from "./store.ts";

/** What a write needs: the connection, its statements and the keys. */
export interface Writable {
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
   * Stores `value` under `hash`, keeping the row's creation time unless
   * `times` gives both.
   */
  put(
    hash: string,
    name: Uint8Array,
    value: Uint8Array,
    times?: RowTimes,
  ): void;
  /** Whether a row `hash` exists, as of this transaction. */
  has(hash: string): boolean;
  /** Removes the row `hash`; `false` when there was none. */
  remove(hash: string): boolean;
}

/**
 * Runs `change` in one write transaction with the accumulator kept in step
 * with every row it puts or removes.
 */
export function writeEntries<T>(
  vault: Writable,
  now: number,
  change: (session: WriteSession) => T,
): T {
  const { store, table, keys } = vault;
  return store.transaction(() => {
    const acc = readAccumulator(table, keys);
    const result = change({
      put: (hash, name, value, times) =>
        put(vault, acc, hash, name, value, now, times),
      has: (hash) => table.row(hash) !== undefined,
      remove: (hash) => remove(vault, acc, hash),
    });
    table.writeIntegrity(encodeIntegrity(keys.tag, acc));
    return result;
  });
}

function put(
  { table, keys }: Writable,
  acc: Accumulator,
  hash: string,
  name: Uint8Array,
  value: Uint8Array,
  now: number,
  times?: RowTimes,
): void {
  const old = table.row(hash);
  if (old) xorInto(acc.x, rowMac(keys.row, old));
  else acc.count++;
  const row = sealRow(keys, hash, name, value, old, now, times);
  xorInto(acc.x, rowMac(keys.row, row));
  table.put(row);
}

function remove(
  { table, keys }: Writable,
  acc: Accumulator,
  hash: string,
): boolean {
  const old = table.row(hash);
  if (!old) return false;
  xorInto(acc.x, rowMac(keys.row, old));
  acc.count--;
  table.remove(hash);
  return true;
}

/** A secret to store: its name hash, clear name and value, and any times. */
export interface Entry {
  /** The name hash, the row's key. */
  hash: string;
  /** The clear name. */
  name: string;
  /** The value. */
  value: string;
  /** Creation and write times to keep (a restore); default: now. */
  times?: RowTimes;
}

/**
 * Stores `entries` in one transaction: all or, on any error, none. With
 * `refuseExisting`, entries whose hash the vault holds are handed to it
 * (inside the transaction) before anything is written, to throw. The clear
 * bytes are zeroed however it ends.
 */
export function putEntries(
  vault: Writable,
  entries: readonly Entry[],
  refuseExisting?: (taken: Entry[]) => never,
): void {
  const encoder = new TextEncoder();
  const writes = entries.map((entry) => ({
    ...entry,
    clearName: encoder.encode(entry.name),
    clearValue: encoder.encode(entry.value),
  }));
  try {
    writeEntries(vault, Date.now(), (session) => {
      const taken = refuseExisting
        ? writes.filter(({ hash }) => session.has(hash))
        : [];
      if (refuseExisting && taken.length > 0) refuseExisting(taken);
      for (const { hash, clearName, clearValue, times } of writes) {
        session.put(hash, clearName, clearValue, times);
      }
    });
  } finally {
    for (const { clearName, clearValue } of writes) {
      clearName.fill(0);
      clearValue.fill(0);
    }
  }
}

/**
 * Removes, in one transaction, every entry stored under any hash of each
 * lookup; returns the lookups that found something.
 */
export function removeEntries(
  vault: Writable,
  lookups: readonly string[][],
): string[][] {
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
}

/**
 * Runs `change` in one write transaction with the accumulator kept in step
 * with every slot it adds or removes.
 */
export function writeSlots<T>(
  vault: Writable,
  change: (session: SlotSession) => T,
): T {
  const { store, table, keys } = vault;
  return store.transaction(() => {
    const acc = readAccumulator(table, keys);
    const result = change({
      slots: readSlots(store),
      add(slot): void {
        insertSlot(store, slot);
        xorInto(acc.x, slotMac(keys.row, slot));
      },
      remove(slot): void {
        deleteSlot(store, slot.id);
        xorInto(acc.x, slotMac(keys.row, slot));
      },
    });
    table.writeIntegrity(encodeIntegrity(keys.tag, acc));
    return result;
  });
}
