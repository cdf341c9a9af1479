/**
 * Writing a new epoch of the data key, in the caller's write transaction:
 * every entry, version, annotation and exposure mark re-encrypted under
 * the new sub-keys (`reencrypt.ts`), each slot replaced by its rewrapped
 * row or removed, the copy record, the key check and the integrity record
 * written, and the file marked for a rewrite, so nothing sealed under the
 * old key stays in it. Rotation and the upgrade to format 6 both write an
 * epoch; the key hierarchy makes the rows beforehand (`keys/rewrap.ts`).
 *
 * @module
 */

import { keyCheck, type SubKeys } from "../crypto.ts";
import { IntegrityError } from "../errors.ts";
import type { ProgressListener } from "../types.ts";
import { Accumulator } from "./accumulator.ts";
import {
  type CopyRecord,
  writeCopyRecord,
  writeKeyCheck,
} from "./meta_table.ts";
import { type Exposure, reencryptEntries } from "./reencrypt.ts";
import { markRewrite } from "./rewrite.ts";
import type { SlotRow } from "./schema.ts";
import { resealReplica, sealReplica } from "./rows.ts";
import { HEAD_KEY, type SeenHead } from "../rules/replica.ts";
import { deleteSlot, insertSlot } from "./slot_table.ts";
import type { VaultStore } from "./writes.ts";

/** What a new epoch writes. */
export interface Epoch {
  /** The new data key's sub-keys (with the name key as `index`). */
  next: SubKeys;
  /** The slots as they were. */
  slots: readonly SlotRow[];
  /** The copy record as it was: `null` before format 6. */
  copyBefore: CopyRecord | null;
  /** By slot id, each slot's new row; a slot absent is removed. */
  rows: ReadonlyMap<string, SlotRow>;
  /** The new copy record. */
  copy: CopyRecord;
  /** A member removed with this epoch, whose reads are marked exposed. */
  expose?: Exposure;
  /** Told how many entries are done. */
  onProgress?: ProgressListener;
  /** The remote head a copy that syncs keeps from now on (format 7). */
  seenHead?: SeenHead;
}

/**
 * Writes `epoch` over the vault `vault` opens, in the caller's write
 * transaction; returns the slots removed. The rows are re-added to an
 * accumulator as they are read, and a vault whose rows do not add up to
 * `stored` is {@linkcode IntegrityError}, before anything is written: a
 * new epoch never launders a row or slot changed outside the engine (a
 * replayed ciphertext, an edited timestamp) into a vault that verifies.
 */
export function writeEpoch(
  vault: Pick<VaultStore, "store" | "table" | "keys">,
  stored: Accumulator,
  epoch: Epoch,
): SlotRow[] {
  const { store, table, keys } = vault;
  const { next, slots } = epoch;
  const before = Accumulator.empty(keys);
  const after = Accumulator.empty(next);
  reencryptEntries(vault, next, { before, after, ...epoch });
  for (const row of table.replica.all()) {
    before.addReplica(row);
    const moved = row.name_hash === HEAD_KEY && epoch.seenHead !== undefined
      ? {
        name_hash: HEAD_KEY,
        sealed: sealReplica(next, HEAD_KEY, epoch.seenHead),
      }
      : resealReplica(keys, next, row);
    table.replica.put(moved);
    after.addReplica(moved);
  }
  for (const slot of slots) before.addSlot(slot);
  if (epoch.copyBefore !== null) before.addCopy(epoch.copyBefore);
  const limit = table.meta.historyLimit();
  before.addHistoryLimit(limit);
  after.addHistoryLimit(limit);
  if (!before.matches(stored)) {
    throw new IntegrityError(
      "the vault was changed outside the engine: its key was not changed, and nothing was written",
      { remedy: { kind: "recover" } },
    );
  }
  const removed: SlotRow[] = [];
  for (const slot of slots) {
    deleteSlot(store, slot.id);
    const row = epoch.rows.get(slot.id);
    if (row === undefined) {
      removed.push(slot);
      continue;
    }
    insertSlot(store, row);
    after.addSlot(row);
  }
  writeCopyRecord(store, epoch.copy);
  after.addCopy(epoch.copy);
  writeKeyCheck(store, keyCheck(next));
  markRewrite(store);
  after.write(table.meta);
  return removed;
}
