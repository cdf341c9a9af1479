/**
 * The `slots` table (format 3): each row wraps the data key (from format
 * 6, the copy secret, or for a member the keys) under one way into the
 * vault. Rows are few (at most {@linkcode MAX_SLOTS} of this copy and
 * {@linkcode MAX_MEMBERS} members), so they are read whole.
 *
 * @module
 */

import { equalBytes } from "../crypto.ts";
import { IntegrityError } from "../errors.ts";
import type { SlotRow } from "./schema.ts";
import { MAX_MEMBERS, MAX_SLOTS } from "../limits.ts";
import type { Store } from "./store.ts";

const SLOT_COLUMNS = "id, kind, label, created, kdf, salt, factors, wrapped";

function isSlotRow(row: Record<string, unknown>): boolean {
  const { id, kind, label, created, kdf, salt, factors, wrapped } = row;
  return [id, kind, label, kdf, factors].every((v) => typeof v === "string") &&
    typeof created === "number" && salt instanceof Uint8Array &&
    wrapped instanceof Uint8Array;
}

/**
 * Every slot, in id order; more than {@linkcode MAX_SLOTS} slots of this
 * copy or {@linkcode MAX_MEMBERS} member slots, or a row of the wrong
 * shape, is {@linkcode IntegrityError}.
 */
export function readSlots(store: Store): SlotRow[] {
  // Checked before a row is read, and so before any slot's KDF runs: rows
  // planted past the cap would each cost an open a KDF run.
  const counts = store.prepare(
    "SELECT count(*) AS n, count(*) FILTER (WHERE kind = 'member') AS m " +
      "FROM slots",
  ).get();
  const members = Number(counts?.m ?? 0);
  const local = Number(counts?.n ?? 0) - members;
  if (local > MAX_SLOTS || members > MAX_MEMBERS) {
    throw new IntegrityError(
      `the vault has ${local} key slots and ${members} members where the engine makes at most ${MAX_SLOTS} and ${MAX_MEMBERS}: slots were added outside the engine`,
    );
  }
  const rows = store.prepare(`SELECT ${SLOT_COLUMNS} FROM slots ORDER BY id`)
    .all();
  if (!rows.every(isSlotRow)) {
    throw new IntegrityError("a key slot row is malformed");
  }
  return rows as unknown as SlotRow[];
}

/** Inserts a slot; call inside a write transaction. */
export function insertSlot(store: Store, slot: SlotRow): void {
  store.prepare(
    `INSERT INTO slots (${SLOT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  )
    .run(
      slot.id,
      slot.kind,
      slot.label,
      slot.created,
      slot.kdf,
      slot.salt,
      slot.factors,
      slot.wrapped,
    );
}

/** Deletes a slot by id; call inside a write transaction. */
export function deleteSlot(store: Store, id: string): void {
  store.prepare("DELETE FROM slots WHERE id = ?").run(id);
}

/**
 * Replaces the slots `expected` with `rows`, in the caller's write
 * transaction: a slot absent from `rows` is removed. Returns the slots
 * removed, or `null`, changing nothing, when the slots are no longer
 * `expected` with the same wrapped keys: another process may change them
 * between a rotation's reading and its write lock.
 */
export function replaceSlots(
  store: Store,
  expected: readonly SlotRow[],
  rows: ReadonlyMap<string, SlotRow>,
): SlotRow[] | null {
  const found = readSlots(store);
  const same = found.length === expected.length &&
    found.every((row, i) =>
      row.id === expected[i].id && equalBytes(row.wrapped, expected[i].wrapped)
    );
  if (!same) return null;
  // The slots are exactly `expected`: all of them go.
  store.exec("DELETE FROM slots");
  for (const row of rows.values()) insertSlot(store, row);
  return expected.filter((slot) => !rows.has(slot.id));
}
