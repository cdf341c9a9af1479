/**
 * The `slots` table (format 3): each row wraps the data key under one way
 * into the vault. Rows are few (a vault holds at most
 * {@linkcode MAX_SLOTS}), so they are read whole.
 *
 * @module
 */

import { IntegrityError } from "../errors.ts";
import type { SlotRow } from "./schema.ts";
import { MAX_SLOTS } from "../limits.ts";
import type { Store } from "./store.ts";

const SLOT_COLUMNS = "id, kind, label, created, kdf, salt, factors, wrapped";

function isSlotRow(row: Record<string, unknown>): boolean {
  const { id, kind, label, created, kdf, salt, factors, wrapped } = row;
  return [id, kind, label, kdf, factors].every((v) => typeof v === "string") &&
    typeof created === "number" && salt instanceof Uint8Array &&
    wrapped instanceof Uint8Array;
}

/**
 * Every slot, in id order; more than {@linkcode MAX_SLOTS} of them, or a
 * row of the wrong shape, is {@linkcode IntegrityError}.
 */
export function readSlots(store: Store): SlotRow[] {
  // Checked before a row is read, and so before any slot's KDF runs: rows
  // planted past the cap would each cost an open a KDF run.
  const count = Number(
    store.prepare("SELECT count(*) AS n FROM slots").get()?.n ?? 0,
  );
  if (count > MAX_SLOTS) {
    throw new IntegrityError(
      `the vault has ${count} key slots where the engine makes at most ${MAX_SLOTS}: slots were added outside the engine`,
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
