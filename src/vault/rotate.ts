/**
 * Key rotation: a new data key, with every entry re-encrypted, its name
 * re-hashed (the index key changes) and re-MACed, the slots that are kept
 * rewrapped and the others removed, the key check and the integrity record
 * replaced: all in one transaction, so the new wrapped keys are never
 * written apart from the rows they open (dotenvx's `rotate` lost users'
 * keys by writing data before keys).
 *
 * @module
 */

import {
  deriveSubKeys,
  KEY_BYTES,
  keyCheck,
  randomBytes,
  type SubKeys,
} from "../crypto.ts";
import { BusyError, IntegrityError, ValidationError } from "../errors.ts";
import { checkUnlock, vaultSlots } from "../keys/unlock.ts";
import { keptKeks, sameSlots } from "../keys/kept_slots.ts";
import { slotInfo, wrapSlot } from "../keys/slot.ts";
import { readAccumulator } from "../storage/integrity.ts";
import { Accumulator } from "../storage/accumulator.ts";
import { reencryptEntries } from "../storage/reencrypt.ts";
import { writeKeyCheck } from "../storage/meta_table.ts";
import { deleteSlot, insertSlot } from "../storage/slot_table.ts";
import { markRewrite, rewriteIfMarked } from "../storage/rewrite.ts";
import { vaultNames } from "./names.ts";
import type { OpenedVault } from "./opened.ts";
import type { ProgressListener, SlotInfo, Unlock } from "../types.ts";

/** What {@linkcode SecretsEngine.rotate} did. */
export interface RotateResult {
  /** The slots removed because their secret was not given to keep. */
  removed: SlotInfo[];
}

const ROTATE_ATTEMPTS = 3;

/**
 * One attempt at rotation: `null` when another process changed the slots
 * between reading them and taking the write lock.
 */
async function rotateOnce(
  vault: OpenedVault,
  keep: readonly Unlock[],
  dek: Uint8Array,
  next: SubKeys,
  onProgress: ProgressListener | undefined,
): Promise<SlotInfo[] | null> {
  const { store, table } = vault;
  const slots = vaultSlots(store, vault.format);
  const keks = await keptKeks(vault.dir, vault.unlocked, slots, keep);
  try {
    return store.transaction(() => {
      const stored = readAccumulator(table, vault.keys);
      if (!sameSlots(slots, vaultSlots(store, vault.format))) return null;
      // The rows as they were, under the old key, and as they are written,
      // under the new one.
      const before = Accumulator.empty(vault.keys);
      const after = Accumulator.empty(next);
      reencryptEntries(vault, next, { before, after }, onProgress);
      for (const slot of slots) before.addSlot(slot.row);
      const limit = table.meta.historyLimit();
      before.addHistoryLimit(limit);
      after.addHistoryLimit(limit);
      // Rotation recomputes the accumulator from the rows: it must not
      // launder a row or slot changed outside the engine (a replayed
      // ciphertext, an edited timestamp) into a vault that verifies.
      if (!before.matches(stored)) {
        throw new IntegrityError(
          "the vault was changed outside the engine: nothing was rotated",
          { remedy: { kind: "recover" } },
        );
      }
      const removed: SlotInfo[] = [];
      for (const slot of slots) {
        deleteSlot(store, slot.row.id);
        const kek = keks.get(slot.row.id);
        if (kek === undefined) {
          removed.push(slotInfo(slot));
          continue;
        }
        const row = wrapSlot(slot, kek, dek);
        insertSlot(store, row);
        after.addSlot(row);
      }
      writeKeyCheck(store, keyCheck(next));
      markRewrite(store);
      after.write(table.meta);
      return removed;
    });
  } finally {
    for (const kek of keks.values()) kek.fill(0);
  }
}

/**
 * Rotates the data key (see the module doc) and switches `vault` and its
 * names to the new one; returns the slots removed.
 */
export async function rotateKey(
  vault: OpenedVault,
  keep: unknown,
  onProgress?: ProgressListener,
): Promise<RotateResult> {
  if (keep !== undefined && !Array.isArray(keep)) {
    throw new ValidationError("keep must be a list of unlock values");
  }
  const wanted = (keep ?? []).map((unlock) => checkUnlock(unlock) as Unlock);
  const dek = randomBytes(KEY_BYTES);
  const next = deriveSubKeys(dek);
  try {
    for (let attempt = 0; attempt < ROTATE_ATTEMPTS; attempt++) {
      const removed = await rotateOnce(vault, wanted, dek, next, onProgress);
      if (removed === null) continue;
      // No copy of a cell sealed under the old key, or of a removed slot,
      // may outlive the rotation in the file or its WAL.
      rewriteIfMarked(vault.store);
      for (const key of [vault.unlocked.dek, ...Object.values(vault.keys)]) {
        key.fill(0);
      }
      vault.unlocked = { ...vault.unlocked, dek, keys: next };
      vault.keys = next;
      // Every name hash changed with the index key.
      vault.names.clear();
      vault.names = vaultNames({ ...vault, lenient: false });
      return { removed };
    }
    throw new BusyError(vault.busyTimeoutMs);
  } catch (error) {
    dek.fill(0);
    for (const key of Object.values(next)) key.fill(0);
    throw error;
  }
}
