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

import {
  deriveSubKeys,
  KEY_BYTES,
  randomBytes,
  type SubKeys,
} from "../crypto.ts";
import { BusyError, ValidationError } from "../errors.ts";
import { vaultSlots } from "../keys/unlock.ts";
import { checkUnlock } from "../keys/unlock_options.ts";
import { sameSlots } from "../keys/kept_slots.ts";
import { type Keeping, rewrapSlots } from "../keys/rewrap.ts";
import { parseSlot, slotInfo } from "../keys/slot.ts";
import { readAccumulator } from "../storage/integrity.ts";
import { writeEpoch } from "../storage/epoch.ts";
import type { Exposure } from "../storage/reencrypt.ts";
import { readCopyRecord } from "../storage/meta_table.ts";
import type { SlotRow } from "../storage/schema.ts";
import { rewriteIfMarked } from "../storage/rewrite.ts";
import { encodeBase64 } from "../base64.ts";
import type { SeenHead } from "../rules/replica.ts";
import { readSeenHead } from "./replica_state.ts";
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

/** What a rotation wrote that the engine keeps. */
interface Rotated {
  /** The slots it removed. */
  removed: SlotInfo[];
  /** The copy secret from now on. */
  copySecret: Uint8Array | null;
  /** The new row of the slot that opened the engine, if it was kept. */
  opener: SlotRow | undefined;
}

/**
 * One attempt at rotation: `null` when another process changed the slots
 * between reading them and taking the write lock.
 */
/**
 * The remote head a copy that syncs keeps through this rotation: one it
 * adopts, or, for its own rotation, the head it saw with the data key of
 * that epoch kept (once) until the new epoch is pushed.
 */
function headThrough(
  vault: OpenedVault,
  adopted: SeenHead | undefined,
): SeenHead | undefined {
  if (adopted !== undefined) return adopted;
  const seen = readSeenHead(vault);
  if (seen === null || seen.previous !== undefined) return undefined;
  return { ...seen, previous: encodeBase64(vault.unlocked.dek) };
}

async function rotateOnce(
  vault: OpenedVault,
  plan: RotationPlan,
  dek: Uint8Array,
  next: SubKeys,
): Promise<Rotated | null> {
  const { store, table } = vault;
  const slots = vaultSlots(store, vault.format);
  const copyBefore = readCopyRecord(store);
  const made = await rewrapSlots(
    { dir: vault.dir, unlocked: vault.unlocked, copy: copyBefore },
    slots,
    plan,
    { dek, nameKey: next.index },
  );
  return store.transaction(() => {
    const stored = readAccumulator(table, vault.keys);
    if (!sameSlots(slots, vaultSlots(store, vault.format))) return null;
    const removed = writeEpoch(vault, stored, {
      ...plan,
      seenHead: headThrough(vault, plan.adopt?.head),
      next,
      slots: slots.map((slot) => slot.row),
      copyBefore,
      rows: made.rows,
      copy: made.copy,
    });
    return {
      removed: removed.map((row) => slotInfo(parseSlot(row))),
      copySecret: made.copySecret,
      opener: made.rows.get(vault.unlocked.slot.row.id),
    };
  });
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
  const next = deriveSubKeys(dek, vault.keys.index);
  try {
    for (let attempt = 0; attempt < ROTATE_ATTEMPTS; attempt++) {
      const done = await rotateOnce(vault, plan, dek, next);
      if (done === null) continue;
      // No copy of a cell sealed under the old key, or of a removed slot,
      // may outlive the rotation in the file or its WAL.
      rewriteIfMarked(vault.store);
      switchKeys(vault, dek, next, done);
      return { removed: done.removed };
    }
    throw new BusyError(vault.busyTimeoutMs);
  } catch (error) {
    dek.fill(0);
    for (const key of Object.values(next)) key.fill(0);
    throw error;
  }
}

function switchKeys(
  vault: OpenedVault,
  dek: Uint8Array,
  next: SubKeys,
  { copySecret, opener }: Rotated,
): void {
  const { unlocked } = vault;
  const old = [unlocked.dek, ...Object.values(vault.keys)];
  if (unlocked.copySecret !== null && copySecret !== unlocked.copySecret) {
    old.push(unlocked.copySecret);
  }
  for (const key of old) key.fill(0);
  // The slot that opened the engine was rewrapped: keep its new row.
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
