/**
 * Key epochs between copies. A rotation (a member removed, or a plain
 * `rotate`) on one copy becomes a new epoch on the remote, whose header —
 * the vault, the epoch number, the new key's check value and the member
 * list — is MACed under the previous epoch's key; another copy accepts it
 * only when that MAC verifies and its own member slot of that epoch opens
 * to the key the header names, then re-encrypts what it holds under it.
 * A copy takes later epochs unattended through a member key of its own,
 * `LABEL/HOST`, which is this copy's key (kept behind its local slots); a
 * read-only copy, which may not register one, uses the identity it is
 * given. Two copies rotating at once: the head's check-and-set picks one,
 * and the other takes the winner's key, then removes again the members it
 * had removed, as a rotation of its own.
 *
 * @module
 */

import { decodeBase64 } from "../base64.ts";
import { deriveSubKeys, equalBytes, keyCheck } from "../crypto.ts";
import { RemoteError } from "../errors.ts";
import { copyMemberKey } from "../keys/copy_key.ts";
import { parseSlot, type Slot } from "../keys/slot.ts";
import type { SeenHead } from "../rules/replica.ts";
import {
  decodeEpoch,
  memberMac,
  memberVerifies,
  type RemoteKeys,
  remoteKeys,
} from "../remote/records.ts";
import type { Remote, RemoteHead, RemoteMember } from "../remote/remote.ts";
import { readCopyRecord } from "../storage/meta_table.ts";
import type { SlotRow } from "../storage/schema.ts";
import { readSlots } from "../storage/slot_table.ts";
import { writeSlots } from "../storage/writes.ts";
import { addMember, removeMember } from "./members.ts";
import type { OpenedVault } from "./opened.ts";
import { rotateEpoch } from "./rotate.ts";

// The longest slot label (`keys/slot.ts`).
const MAX_LABEL = 64;

/** How this copy opens its member slot of a new epoch. */
export interface EpochIdentity {
  /** An age or SSH identity's text; default: this copy's own key. */
  identity?: string;
  /** Its passphrase, for an encrypted SSH key. */
  passphrase?: string;
}

/** The remote keys of the data key `dek` of this vault. */
export function keysFor(vault: OpenedVault, dek: Uint8Array): RemoteKeys {
  const sub = deriveSubKeys(dek, vault.keys.index);
  const check = keyCheck(sub);
  for (const key of Object.values(sub)) key.fill(0);
  return remoteKeys(dek, readCopyRecord(vault.store).vaultId, check);
}

/** The keys of the epoch this copy last synced, while its rotation is unpushed. */
export function previousKeys(
  vault: OpenedVault,
  seen: SeenHead,
): RemoteKeys | null {
  return seen.previous === undefined
    ? null
    : keysFor(vault, decodeBase64(seen.previous, "the previous data key"));
}

function memberSlots(vault: OpenedVault): SlotRow[] {
  return readSlots(vault.store).filter((slot) => slot.kind === "member");
}

/**
 * The slots of `members` whose MACs verify under `keys`; any that does not
 * is {@linkcode RemoteError}: the server added or changed a member.
 */
export function verifiedMembers(
  keys: RemoteKeys,
  members: readonly RemoteMember[],
): SlotRow[] {
  for (const { slot, mac } of members) {
    if (!memberVerifies(keys, slot, mac)) {
      throw new RemoteError(
        `the remote's member slot ${
          JSON.stringify(slot.label)
        } does not verify: the server added or changed a member; nothing was applied`,
      );
    }
  }
  return members.map(({ slot }) => slot);
}

/** This copy's member slots, each with its MAC under `keys`, to push. */
export function outgoingMembers(
  vault: OpenedVault,
  keys: RemoteKeys,
): RemoteMember[] {
  return memberSlots(vault).map((slot) => ({
    slot,
    mac: memberMac(keys, slot),
  }));
}

/** Adds the members of `slots` this copy lacks (a teammate added them). */
export function importMembers(
  vault: OpenedVault,
  slots: readonly SlotRow[],
): void {
  const present = new Set(memberSlots(vault).map((slot) => slot.id));
  const missing = slots.filter((slot) => !present.has(slot.id));
  if (missing.length === 0) return;
  writeSlots(vault, (session) => {
    for (const slot of missing) session.add(slot);
  });
}

/** This copy's own member key, when this engine holds the copy secret. */
function ownKey(
  vault: OpenedVault,
): { identity: string; recipient: string } | null {
  const secret = vault.unlocked.copySecret;
  if (secret === null) return null;
  return copyMemberKey(secret, readCopyRecord(vault.store).vaultId);
}

function hostName(): string | null {
  const granted =
    Deno.permissions.querySync({ name: "sys", kind: "hostname" }).state ===
      "granted";
  return granted ? Deno.hostname() : null;
}

/**
 * Registers this copy's own member key, `LABEL/HOST` (the copy's short id
 * where the host name may not be read), unless it is a member already or
 * this engine does not hold the copy secret.
 */
export async function registerOwnMember(
  vault: OpenedVault,
  label: string,
  copy: string,
): Promise<void> {
  const own = ownKey(vault);
  if (own === null) return;
  const slots = memberSlots(vault).map((row) => parseSlot(row));
  const { parseRecipient } = await import("../recipients/recipients.ts");
  const { fingerprint } = parseRecipient(own.recipient);
  const member = (slot: Slot) =>
    slot.kdf.name === "age" && slot.kdf.fingerprint === fingerprint;
  if (slots.some(member)) return;
  const name = `${label}/${hostName() ?? copy}`.slice(0, MAX_LABEL);
  await addMember(vault, own.recipient, name);
}

/** The keys the member slot of epoch `epoch` this copy answers to holds. */
async function openEpochSlot(
  vault: OpenedVault,
  slots: readonly SlotRow[],
  identity: EpochIdentity,
  epoch: number,
): Promise<Uint8Array> {
  const text = identity.identity ?? ownKey(vault)?.identity;
  const gone = (): RemoteError =>
    new RemoteError(
      `no member slot of key epoch ${epoch} opens for this copy: its member was removed, or it has no key of its own (a read-only copy syncs with the identity it cloned with); it keeps what it holds`,
    );
  if (text === undefined) throw gone();
  const { parseIdentities } = await import("../recipients/recipients.ts");
  const { openMemberSlot } = await import("../keys/member_slot.ts");
  const identities = await parseIdentities(text, identity.passphrase);
  const { vaultId } = readCopyRecord(vault.store);
  try {
    const opened = await openMemberSlot(
      slots.map((row) => parseSlot(row)),
      identities,
      vaultId,
    );
    opened.keys.nameKey.fill(0);
    return opened.keys.dek;
  } catch {
    throw gone();
  }
}

/**
 * Takes the epochs the remote moved to since this copy's `seen` one: each
 * header verified under the previous epoch's keys (`from` first), each key
 * opened through this copy's member slot of its epoch and checked against
 * the header; then re-encrypts this copy under the last, with that
 * epoch's members. A copy whose own rotation lost removes again the
 * members it had removed: the caller's next round pushes that epoch.
 */
export async function adoptEpochs(
  vault: OpenedVault,
  remote: Remote,
  seen: SeenHead,
  head: RemoteHead,
  from: RemoteKeys,
  identity: EpochIdentity,
): Promise<void> {
  let keys = from;
  let dek: Uint8Array | null = null;
  let members: SlotRow[] = [];
  for (const { epoch, header } of await remote.epochs(seen.epoch)) {
    if (epoch > head.epoch) break;
    const fields = decodeEpoch(keys, epoch, header);
    const offered = await remote.members(epoch);
    dek?.fill(0);
    dek = await openEpochSlot(
      vault,
      offered.map((m) => m.slot),
      identity,
      epoch,
    );
    keys = keysFor(vault, dek);
    if (!equalBytes(keys.keyCheck, fields.keyCheck)) {
      throw new RemoteError(
        `the key this copy's member slot of epoch ${epoch} holds is not the one its header names: the slot was forged; nothing was applied`,
      );
    }
    members = verifiedMembers(keys, offered);
  }
  if (
    dek === null || !equalBytes(keys.keyCheck, head.keyCheck ?? keys.keyCheck)
  ) {
    throw new RemoteError(
      `the remote is at key epoch ${head.epoch} without a header this copy can follow: it was forged or rolled back; nothing was applied`,
    );
  }
  const removedHere = seen.previous === undefined
    ? []
    : await removedLabels(vault, remote, seen.epoch);
  // The epoch's members replace this copy's: the rotator's slots are the
  // ones that hold the new key (a copy's own key moves with its copy
  // secret, keeping its slot id).
  await rotateEpoch(vault, {
    keep: null,
    removing: new Set(memberSlots(vault).map((slot) => slot.id)),
    adopt: { dek, head: { revision: seen.revision, epoch: head.epoch } },
  });
  dek.fill(0);
  importMembers(vault, members);
  for (const label of removedHere) {
    if (memberSlots(vault).some((slot) => slot.label === label)) {
      await removeMember(vault, label);
    }
  }
}

/** The members of epoch `epoch` this copy removed before it took another. */
async function removedLabels(
  vault: OpenedVault,
  remote: Remote,
  epoch: number,
): Promise<string[]> {
  const here = new Set(memberSlots(vault).map((slot) => slot.label));
  const there = await remote.members(epoch);
  return [...new Set(there.map((member) => member.slot.label))]
    .filter((label) => !here.has(label));
}
