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
  keyCheck,
  randomBytes,
  type SubKeys,
} from "../crypto.ts";
import { BusyError, IntegrityError, ValidationError } from "../errors.ts";
import { checkUnlock, type SecretUnlock, vaultSlots } from "../keys/unlock.ts";
import { keptKeks, sameSlots } from "../keys/kept_slots.ts";
import { type Slot, slotInfo, wrapSlot } from "../keys/slot.ts";
import { copyRecordFor, type VaultKeys, wrapToCopy } from "../keys/copy_key.ts";
import { readAccumulator } from "../storage/integrity.ts";
import { Accumulator } from "../storage/accumulator.ts";
import { type Exposure, reencryptEntries } from "../storage/reencrypt.ts";
import {
  type CopyRecord,
  readCopyRecord,
  writeCopyRecord,
  writeKeyCheck,
} from "../storage/meta_table.ts";
import type { SlotRow } from "../storage/schema.ts";
import { deleteSlot, insertSlot } from "../storage/slot_table.ts";
import { markRewrite, rewriteIfMarked } from "../storage/rewrite.ts";
import { vaultNames } from "./names.ts";
import type { OpenedVault } from "./opened.ts";
import type { ProgressListener, SlotInfo } from "../types.ts";

/** What {@linkcode SecretsEngine.rotate} did. */
export interface RotateResult {
  /** The slots removed because their secret was not given to keep. */
  removed: SlotInfo[];
}

/** What a rotation does besides making a new data key. */
export interface RotationPlan {
  /** Local secrets whose slots are kept under a new copy secret; `null` keeps the copy secret and every local slot. */
  keep: readonly SecretUnlock[] | null;
  /** The member slots removed. */
  removing: ReadonlySet<string>;
  /** The member removed, whose reads are marked exposed. */
  expose?: Exposure;
  /** Told how many entries are done. */
  onProgress?: ProgressListener;
}

const ROTATE_ATTEMPTS = 3;

/** The new slot rows and copy record a rotation writes, made before its transaction. */
interface Rewrapped {
  /** By slot id: the rewrapped row; absent: removed. */
  rows: Map<string, SlotRow>;
  /** The copy record. */
  copy: CopyRecord;
  /** The copy secret from now on. */
  copySecret: Uint8Array | null;
}

async function rewrapMembers(
  slots: readonly Slot[],
  plan: RotationPlan,
  vaultId: Uint8Array,
  keys: VaultKeys,
): Promise<Map<string, SlotRow>> {
  const rows = new Map<string, SlotRow>();
  const kept = slots.filter((slot) =>
    slot.kind === "member" && !plan.removing.has(slot.row.id)
  );
  if (kept.length === 0) return rows;
  const { rewrapMemberSlot } = await import("../keys/member_slot.ts");
  for (const slot of kept) {
    rows.set(slot.row.id, await rewrapMemberSlot(slot, vaultId, keys));
  }
  return rows;
}

async function rewrapLocal(
  vault: OpenedVault,
  slots: readonly Slot[],
  keep: readonly SecretUnlock[],
  copySecret: Uint8Array,
): Promise<Map<string, SlotRow>> {
  const local = slots.filter((slot) => slot.kind !== "member");
  const keks = await keptKeks(vault.dir, vault.unlocked, local, keep);
  const rows = new Map<string, SlotRow>();
  for (const slot of local) {
    const kek = keks.get(slot.row.id);
    if (kek !== undefined) {
      rows.set(slot.row.id, wrapSlot(slot, kek, copySecret));
    }
    kek?.fill(0);
  }
  return rows;
}

async function rewrap(
  vault: OpenedVault,
  slots: readonly Slot[],
  plan: RotationPlan,
  keys: VaultKeys,
): Promise<Rewrapped> {
  const now = readCopyRecord(vault.store);
  const rows = await rewrapMembers(slots, plan, now.vaultId, keys);
  if (plan.keep === null) {
    for (const slot of slots) {
      if (slot.kind !== "member") rows.set(slot.row.id, slot.row);
    }
    const wrap = wrapToCopy(now.recipient, now.vaultId, keys);
    return {
      rows,
      copy: { ...now, wrap },
      copySecret: vault.unlocked.copySecret,
    };
  }
  const copySecret = randomBytes(KEY_BYTES);
  const local = await rewrapLocal(vault, slots, plan.keep, copySecret);
  for (const [id, row] of local) rows.set(id, row);
  return {
    rows,
    copy: copyRecordFor(copySecret, now.vaultId, keys),
    copySecret,
  };
}

/**
 * One attempt at rotation: `null` when another process changed the slots
 * between reading them and taking the write lock.
 */
async function rotateOnce(
  vault: OpenedVault,
  plan: RotationPlan,
  dek: Uint8Array,
  next: SubKeys,
): Promise<{ removed: SlotInfo[]; copySecret: Uint8Array | null } | null> {
  const { store, table } = vault;
  const slots = vaultSlots(store, vault.format);
  const made = await rewrap(vault, slots, plan, { dek, nameKey: next.index });
  return store.transaction(() => {
    const stored = readAccumulator(table, vault.keys);
    if (!sameSlots(slots, vaultSlots(store, vault.format))) return null;
    const before = Accumulator.empty(vault.keys);
    const after = Accumulator.empty(next);
    reencryptEntries(vault, next, { before, after, ...plan });
    for (const slot of slots) before.addSlot(slot.row);
    before.addCopy(readCopyRecord(store));
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
      const row = made.rows.get(slot.row.id);
      if (row === undefined) {
        removed.push(slotInfo(slot));
        continue;
      }
      insertSlot(store, row);
      after.addSlot(row);
    }
    writeCopyRecord(store, made.copy);
    after.addCopy(made.copy);
    writeKeyCheck(store, keyCheck(next));
    markRewrite(store);
    after.write(table.meta);
    return { removed, copySecret: made.copySecret };
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
  const dek = randomBytes(KEY_BYTES);
  const next = deriveSubKeys(dek, vault.keys.index);
  try {
    for (let attempt = 0; attempt < ROTATE_ATTEMPTS; attempt++) {
      const done = await rotateOnce(vault, plan, dek, next);
      if (done === null) continue;
      // No copy of a cell sealed under the old key, or of a removed slot,
      // may outlive the rotation in the file or its WAL.
      rewriteIfMarked(vault.store);
      switchKeys(vault, dek, next, done.copySecret);
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
  copySecret: Uint8Array | null,
): void {
  const { unlocked } = vault;
  const old = [unlocked.dek, ...Object.values(vault.keys)];
  if (unlocked.copySecret !== null && copySecret !== unlocked.copySecret) {
    old.push(unlocked.copySecret);
  }
  for (const key of old) key.fill(0);
  // The slot that opened the engine was rewrapped: keep its new row.
  const slot = vaultSlots(vault.store, vault.format)
    .find((found) => found.row.id === unlocked.slot.row.id);
  vault.unlocked = {
    ...unlocked,
    dek,
    keys: next,
    copySecret,
    slot: slot ?? unlocked.slot,
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
