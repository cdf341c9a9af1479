/**
 * The slots of a new epoch of the data key, made before its transaction
 * (age encryption and KDFs are asynchronous): every member kept rewrapped
 * to its recipient, and this copy's key either kept (a member's removal:
 * the local slots stay as they are, and the keys are wrapped to the copy's
 * public key, so no passphrase is asked) or replaced (`rotate`: a new copy
 * secret, which the local slots kept are rewrapped to under their
 * key-encryption keys). `storage/epoch.ts` writes what this makes.
 *
 * @module
 */

import {
  deriveSubKeys,
  KEY_BYTES,
  randomBytes,
  type SubKeys,
} from "../crypto.ts";
import { type CopyRecord, readCopyRecord } from "../storage/meta_table.ts";
import type { SlotRow } from "../storage/schema.ts";
import { readSlots } from "../storage/slot_table.ts";
import type { Store } from "../storage/store.ts";
import {
  copyMemberKey,
  copyRecordFor,
  type VaultKeys,
  wrapToCopy,
} from "./copy_key.ts";
import { keptKeks } from "./kept_slots.ts";
import { parseSlot, type Slot, wrapSlot } from "./slot.ts";
import type { Unlocked } from "./unlock.ts";
import type { SecretUnlock } from "./unlock_options.ts";

/** Which slots a new epoch keeps. */
export interface Keeping {
  /**
   * The local secrets whose slots are kept under a new copy secret;
   * `null` keeps the copy secret and every local slot as they are.
   */
  keep: readonly SecretUnlock[] | null;
  /** The member slots removed. */
  removing: ReadonlySet<string>;
}

/** The slots and copy record of a new epoch. */
export interface Rewrapped {
  /** By slot id, the new row of each slot kept. */
  rows: Map<string, SlotRow>;
  /** The new copy record. */
  copy: CopyRecord;
  /** The copy secret from now on: `null` when it stays unknown here. */
  copySecret: Uint8Array | null;
}

/** What a new epoch needs of the open vault. */
export interface Holder {
  /** The vault's database, whose slots and copy record are read. */
  store: Store;
  /** The vault's directory, where a keyfile may open the machine slot. */
  dir: string;
  /** What opened the engine. */
  unlocked: Unlocked;
}

/** What the rewrap reads of the open vault. */
interface Held extends Omit<Holder, "store"> {
  /** The copy record as it is. */
  copy: CopyRecord;
}

/** A new epoch of the data key, made before its transaction. */
export interface NewEpoch extends Rewrapped {
  /** The new data key's sub-keys (the name key stays). */
  next: SubKeys;
  /** The slots as read, which the transaction checks are unchanged. */
  slots: SlotRow[];
}

/** This copy's own member key moving from one recipient to another. */
interface OwnMove {
  /** The recipient of the copy secret as it was. */
  from: string;
  /** The recipient of the new one. */
  to: string;
}

async function rewrapMembers(
  slots: readonly Slot[],
  removing: ReadonlySet<string>,
  vaultId: Uint8Array,
  keys: VaultKeys,
  own: OwnMove | null,
): Promise<Map<string, SlotRow>> {
  const rows = new Map<string, SlotRow>();
  const kept = slots.filter((slot) =>
    slot.kind === "member" && !removing.has(slot.row.id)
  );
  if (kept.length === 0) return rows;
  const { rewrapMemberSlot } = await import("./member_slot.ts");
  for (const slot of kept) {
    // A copy's own member key is its copy key: it follows the new one, so
    // a local secret not kept opens no later epoch either.
    const moves = own !== null && slot.kdf.name === "age" &&
      slot.kdf.recipient === own.from;
    const to = moves ? own.to : undefined;
    rows.set(slot.row.id, await rewrapMemberSlot(slot, vaultId, keys, to));
  }
  return rows;
}

/** The move of this copy's own member key, when its copy secret changes. */
function ownMove(
  holder: Held,
  next: Uint8Array | null,
): OwnMove | null {
  const old = holder.unlocked.copySecret;
  if (old === null || next === null) return null;
  const { vaultId } = holder.copy;
  return {
    from: copyMemberKey(old, vaultId).recipient,
    to: copyMemberKey(next, vaultId).recipient,
  };
}

async function rewrapLocal(
  holder: Held,
  slots: readonly Slot[],
  keep: readonly SecretUnlock[],
  copySecret: Uint8Array,
): Promise<Map<string, SlotRow>> {
  const local = slots.filter((slot) => slot.kind !== "member");
  const keks = await keptKeks(holder.dir, holder.unlocked, local, keep);
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

/**
 * The rows of every slot a new epoch keeps, and its copy record, for the
 * new `keys`.
 */
async function rewrapSlots(
  holder: Held,
  slots: readonly Slot[],
  keeping: Keeping,
  keys: VaultKeys,
): Promise<Rewrapped> {
  const { copy } = holder;
  const copySecret = keeping.keep === null ? null : randomBytes(KEY_BYTES);
  const rows = await rewrapMembers(
    slots,
    keeping.removing,
    copy.vaultId,
    keys,
    ownMove(holder, copySecret),
  );
  if (keeping.keep === null || copySecret === null) {
    for (const slot of slots) {
      if (slot.kind !== "member") rows.set(slot.row.id, slot.row);
    }
    return {
      rows,
      copy: { ...copy, wrap: wrapToCopy(copy.recipient, copy.vaultId, keys) },
      copySecret: holder.unlocked.copySecret,
    };
  }
  const local = await rewrapLocal(holder, slots, keeping.keep, copySecret);
  for (const [id, row] of local) rows.set(id, row);
  return {
    rows,
    copy: copyRecordFor(copySecret, copy.vaultId, keys),
    copySecret,
  };
}

/**
 * A new epoch for the data key `dek`: its sub-keys, and the rows of every
 * slot it keeps with its copy record, made from the slots and copy record
 * as they are now. A secret in `keep` that opens no slot is a
 * `KeyMismatchError`, before anything changes.
 */
export async function newEpoch(
  holder: Holder,
  keeping: Keeping,
  dek: Uint8Array,
): Promise<NewEpoch> {
  const { store, dir, unlocked } = holder;
  const slots = readSlots(store).map((row) => parseSlot(row));
  const copyBefore = readCopyRecord(store);
  const next = deriveSubKeys(dek, unlocked.keys.index);
  try {
    const made = await rewrapSlots(
      { dir, unlocked, copy: copyBefore },
      slots,
      keeping,
      { dek, nameKey: next.index },
    );
    return { ...made, next, slots: slots.map(({ row }) => row) };
  } catch (error) {
    for (const key of Object.values(next)) key.fill(0);
    throw error;
  }
}
