/**
 * Key rotation: a new data key, with every entry, version, annotation and
 * exposure mark re-encrypted and re-MACed (the name key, and so every name
 * hash, stays), every slot rewrapped or removed, the key check and the
 * integrity record replaced: all in one transaction, so the new wrapped
 * keys are never written apart from the rows they open (dotenvx's
 * `rotate` lost users' keys by writing data before keys).
 *
 * Two rotations share this code:
 *
 * - `rotate` (a local secret leaked): a new copy secret too, so the local
 *   slots not kept lose their power; the kept ones are rewrapped under
 *   their key-encryption keys; every member is rewrapped to its recipient.
 * - a member's removal: the copy secret stays, so no local slot needs its
 *   secret; the removed member's slot goes, the others are rewrapped, and
 *   every value it could read is marked exposed.
 *
 * @module
 */

import { KEY_BYTES, randomBytes } from "../crypto.ts";
import { BusyError, ValidationError } from "../errors.ts";
import { checkUnlock } from "../keys/unlock_options.ts";
import { type Keeping, type NewEpoch, newEpoch } from "../keys/rewrap.ts";
import { parseSlot, slotInfo } from "../keys/slot.ts";
import { commitEpoch } from "../storage/epoch.ts";
import type { Exposure } from "../storage/reencrypt.ts";
import { FORMAT_VERSION, type SlotRow } from "../storage/schema.ts";
import type { SeenHead } from "../rules/replica.ts";
import { vaultNames } from "./names.ts";
import type { OpenedVault } from "./opened.ts";
import type { ProgressListener, SlotInfo } from "../types.ts";

/** What {@linkcode SecretsEngine.rotate} did. */
export interface RotateResult {
  /** The slots removed because their secret was not given to keep. */
  removed: SlotInfo[];
}

/** A key epoch another copy pushed, which this copy takes. */
export interface Adoption {
  /** Its data key. */
  dek: Uint8Array;
  /** The remote head this copy keeps from now on. */
  head: SeenHead;
}

/** What a rotation does besides making a new data key. */
export interface RotationPlan extends Keeping {
  /** Take this data key, rather than draw one. */
  adopt?: Adoption;
  /** The member removed, whose reads are marked exposed. */
  expose?: Exposure;
  /** Told how many entries are done. */
  onProgress?: ProgressListener;
}

const ROTATE_ATTEMPTS = 3;

/**
 * One attempt at rotation: the key hierarchy makes the new epoch's slots,
 * then storage writes it, checked, in one transaction; `null` when another
 * process changed the slots between their reading and the write lock.
 */
async function rotateOnce(
  vault: OpenedVault,
  plan: RotationPlan,
  dek: Uint8Array,
): Promise<RotateResult | null> {
  const epoch = await newEpoch(vault, plan, dek);
  let removed: SlotRow[] | null = null;
  try {
    removed = commitEpoch(vault, {
      ...plan,
      ...epoch,
      format: FORMAT_VERSION,
      head: plan.adopt === undefined
        ? { previousDek: vault.unlocked.dek }
        : { adopt: plan.adopt.head },
    });
  } finally {
    // An epoch not written leaves none of its keys behind.
    if (removed === null) {
      for (const key of Object.values(epoch.next)) key.fill(0);
      if (epoch.copySecret !== vault.unlocked.copySecret) {
        epoch.copySecret?.fill(0);
      }
    }
  }
  if (removed === null) return null;
  switchKeys(vault, dek, epoch);
  return { removed: removed.map((row) => slotInfo(parseSlot(row))) };
}

/**
 * Rotates the data key as `plan` says (see the module doc) and switches
 * `vault` to it; returns the slots removed.
 */
export async function rotateEpoch(
  vault: OpenedVault,
  plan: RotationPlan,
): Promise<RotateResult> {
  const dek = plan.adopt?.dek.slice() ?? randomBytes(KEY_BYTES);
  try {
    for (let attempt = 0; attempt < ROTATE_ATTEMPTS; attempt++) {
      const done = await rotateOnce(vault, plan, dek);
      if (done !== null) return done;
    }
    throw new BusyError(vault.busyTimeoutMs);
  } catch (error) {
    dek.fill(0);
    throw error;
  }
}

/** Switches `vault` to the epoch just written, zeroing the keys it had. */
function switchKeys(
  vault: OpenedVault,
  dek: Uint8Array,
  { next, copySecret, rows }: NewEpoch,
): void {
  const { unlocked } = vault;
  const old = [unlocked.dek, ...Object.values(vault.keys)];
  if (unlocked.copySecret !== null && copySecret !== unlocked.copySecret) {
    old.push(unlocked.copySecret);
  }
  for (const key of old) key.fill(0);
  // The slot that opened the engine was rewrapped: keep its new row.
  const opener = rows.get(unlocked.slot.row.id);
  vault.unlocked = {
    ...unlocked,
    dek,
    keys: next,
    copySecret,
    slot: opener === undefined ? unlocked.slot : parseSlot(opener),
  };
  vault.keys = next;
  vault.names.clear();
  vault.names = vaultNames({ ...vault, lenient: false });
}

/**
 * `rotate`: a new data key and copy secret, keeping the local slots the
 * engine was opened with, whose keyfile is here, or whose secret `keep`
 * holds, and every member.
 */
export function rotateKey(
  vault: OpenedVault,
  keep: unknown,
  onProgress?: ProgressListener,
): Promise<RotateResult> {
  if (keep !== undefined && !Array.isArray(keep)) {
    throw new ValidationError("keep must be a list of unlock values");
  }
  const wanted = (keep ?? []).map((unlock) => {
    const checked = checkUnlock(unlock);
    if (checked === undefined || "identity" in checked) {
      throw new ValidationError(
        "keep lists passphrases and keys: every member is kept by a rotation",
      );
    }
    return checked;
  });
  return rotateEpoch(vault, { keep: wanted, removing: new Set(), onProgress });
}
