/**
 * Writing a new epoch of the data key, in one write transaction: the rows
 * counted against the integrity record, every entry, version, annotation,
 * exposure mark and merge base re-encrypted under the new sub-keys
 * (`reencrypt.ts`), each slot replaced by its rewrapped row or removed,
 * the copy record and the key check written, the rows counted again under
 * the new keys into the integrity record (`integrity.ts` owns the count),
 * and the file rewritten, so nothing sealed under the old key stays in
 * it. Rotation and the upgrade to format 6 both write an epoch; the key
 * hierarchy makes the slot rows beforehand (`keys/rewrap.ts`).
 *
 * @module
 */

import { keyCheck, type SubKeys } from "../crypto.ts";
import { IntegrityError } from "../errors.ts";
import type { HeadThrough } from "../rules/replica.ts";
import type { ProgressListener } from "../types.ts";
import { readAccumulator, recount } from "./integrity.ts";
import { type CopyRecord, readFormat, writeEpochMeta } from "./meta_table.ts";
import { type Exposure, reencryptEntries } from "./reencrypt.ts";
import { markRewrite, rewriteIfMarked } from "./rewrite.ts";
import { resealReplica } from "./replica_rows.ts";
import type { SlotRow } from "./schema.ts";
import { replaceSlots } from "./slot_table.ts";
import type { VaultStore } from "./writes.ts";

/** What a new epoch writes. */
export interface Epoch {
  /** The new data key's sub-keys (with the name key as `index`). */
  next: SubKeys;
  /** The format the vault holds once the epoch is written. */
  format: number;
  /** The slots as the key hierarchy read them to make `rows`. */
  slots: readonly SlotRow[];
  /** By slot id, each slot's new row; a slot absent is removed. */
  rows: ReadonlyMap<string, SlotRow>;
  /** The new copy record. */
  copy: CopyRecord;
  /** A member removed with this epoch, whose reads are marked exposed. */
  expose?: Exposure;
  /** Told how many entries are done. */
  onProgress?: ProgressListener;
  /** What becomes of the remote head a copy that syncs saw (format 7). */
  head?: HeadThrough;
}

/** The vault an epoch is written over. */
type EpochVault = Pick<VaultStore, "store" | "table" | "keys">;

/**
 * Writes `epoch` over `vault`, in the caller's write transaction; returns
 * the slots removed, or `null`, writing nothing, when the slots are no
 * longer `epoch.slots` (another process changed them). A vault whose rows
 * do not add up to its integrity record is {@linkcode IntegrityError},
 * before anything is written: a new epoch never launders a row or slot
 * changed outside the engine (a replayed ciphertext, an edited timestamp)
 * into a vault that verifies.
 */
export function writeEpoch(
  vault: EpochVault,
  epoch: Epoch,
): SlotRow[] | null {
  const { store, table, keys } = vault;
  const stored = readAccumulator(table, keys);
  if (!recount(store, keys, readFormat(store)).matches(stored)) {
    throw new IntegrityError(
      "the vault was changed outside the engine: its key was not changed, and nothing was written",
      { remedy: { kind: "recover" } },
    );
  }
  const removed = replaceSlots(store, epoch.slots, epoch.rows);
  if (removed === null) return null;
  writeEpochMeta(store, epoch.copy, keyCheck(epoch.next));
  reencryptEntries(vault, epoch.next, epoch);
  for (const row of table.replica.all()) {
    table.replica.put(resealReplica(keys, epoch.next, row, epoch.head));
  }
  recount(store, epoch.next, epoch.format).write(table.meta);
  markRewrite(store);
  return removed;
}

/**
 * Writes `epoch` in a write transaction of its own (see
 * {@linkcode writeEpoch}), then rewrites the file so that no cell sealed
 * under the old key, and no removed slot, outlives it in the file or its
 * WAL; `null` when the slots changed (the caller makes the epoch again).
 */
export function commitEpoch(
  vault: EpochVault,
  epoch: Epoch,
): SlotRow[] | null {
  const removed = vault.store.transaction(() => writeEpoch(vault, epoch));
  if (removed !== null) rewriteIfMarked(vault.store);
  return removed;
}
