/**
 * Members: the people and machines that open the vault with their own age
 * or SSH key. Adding one wraps the vault's keys to its recipient in a
 * member slot; removing one is revocation: its slot goes, the data key
 * rotates (every other slot rewrapped, no passphrase asked), and every
 * secret whose values it could read is marked exposed until its value
 * changes (`rules/exposure.ts`). A label names a member; a member may hold
 * several keys, and `LABEL/HOST` names one of its machines, which goes
 * with it.
 *
 * @module
 */

import { ValidationError } from "../errors.ts";
import { MAX_MEMBERS } from "../limits.ts";
import { vaultSlots } from "../keys/unlock.ts";
import { copySecretHere } from "../keys/kept_slots.ts";
import { checkLabel, parseSlot, type Slot } from "../keys/slot.ts";
import { readCopyRecord } from "../storage/meta_table.ts";
import { writeSlots } from "../storage/writes.ts";
import { rotateEpoch } from "./rotate.ts";
import type { OpenedVault } from "./opened.ts";
import type { MemberInfo, ProgressListener } from "../types.ts";

/** What {@linkcode SecretsEngine.removeMember} did. */
export interface RemovedMembers {
  /** The member slots removed: the member's keys and its machines'. */
  removed: MemberInfo[];
  /** How many secrets are now marked exposed by the removal. */
  exposed: number;
}

/** How a member slot is described to users. */
function memberInfo(slot: Slot): MemberInfo {
  if (slot.kdf.name !== "age") throw new TypeError("not a member slot");
  const { type, recipient, fingerprint, by } = slot.kdf;
  return {
    id: slot.row.id,
    label: slot.row.label,
    kind: type,
    recipient,
    fingerprint,
    added: new Date(slot.row.created),
    addedBy: by,
  };
}

function memberSlots(vault: OpenedVault): Slot[] {
  return vaultSlots(vault.store, vault.format)
    .filter((slot) => slot.kind === "member");
}

/** Every member slot, in id order. */
export function listMembers(vault: OpenedVault): MemberInfo[] {
  return memberSlots(vault).map(memberInfo);
}

function memberLabel(label: unknown): string {
  const checked = checkLabel(label);
  if (checked === "") {
    throw new ValidationError(
      "a member needs a label: who or what it is (alice, ci, web-1)",
    );
  }
  return checked;
}

/**
 * Adds a member slot for `recipient` (an age recipient or an SSH public
 * key line) labelled `label`. A recipient that is already a member, or a
 * vault at the slot cap, is a {@linkcode ValidationError}; nothing is
 * written.
 */
export async function addMember(
  vault: OpenedVault,
  recipient: unknown,
  label: unknown,
): Promise<MemberInfo> {
  if (typeof recipient !== "string" || recipient.trim() === "") {
    throw new ValidationError(
      "a recipient is an age key (age1…, age1pq1…) or an SSH public key line",
    );
  }
  const name = memberLabel(label);
  const { parseRecipient } = await import("../recipients/recipients.ts");
  const { draftMemberSlot } = await import("../keys/member_slot.ts");
  const parsed = parseRecipient(recipient);
  const { vaultId } = readCopyRecord(vault.store);
  const row = await draftMemberSlot(
    parsed,
    name,
    vault.unlocked.slot.row.id,
    vaultId,
    { dek: vault.unlocked.dek, nameKey: vault.keys.index },
  );
  writeSlots(vault, (session) => {
    const twin = session.slots.map((slot) => parseSlot(slot)).find((slot) =>
      slot.kdf.name === "age" && slot.kdf.fingerprint === parsed.fingerprint
    );
    if (twin !== undefined) {
      throw new ValidationError(
        `this key (${parsed.fingerprint}) is already a member, as ${
          JSON.stringify(twin.row.label)
        }`,
      );
    }
    const members = session.slots.filter((slot) => slot.kind === "member");
    if (members.length >= MAX_MEMBERS) {
      throw new ValidationError(
        `a vault holds at most ${MAX_MEMBERS} member keys: remove one first`,
      );
    }
    session.add(row);
  });
  return memberInfo(parseSlot(row));
}

/**
 * Whether this engine holds the copy secret, or a keyfile here opens the
 * machine slot to it (which the engine then keeps): whether the vault
 * still opens here without the member's key.
 */
async function holdsCopySecret(vault: OpenedVault): Promise<boolean> {
  if (vault.unlocked.copySecret !== null) return true;
  const slots = vaultSlots(vault.store, vault.format);
  const secret = await copySecretHere(vault.dir, slots);
  if (secret !== null) {
    vault.unlocked = { ...vault.unlocked, copySecret: secret };
  }
  return secret !== null;
}

/** Whether the member slot `slot` belongs to the member `label`. */
function belongsTo(slot: Slot, label: string): boolean {
  return slot.row.label === label || slot.row.label.startsWith(`${label}/`);
}

/**
 * Removes the member `label` (each of its keys, and its machines,
 * `LABEL/HOST`), rotates the data key keeping every other slot, and marks
 * every secret it could read as exposed. An unknown label is a
 * {@linkcode ValidationError}; so is removing the member that opened this
 * engine when no slot of this copy opens the vault here (this engine does
 * not hold the copy secret, and no keyfile here opens the machine slot).
 */
export async function removeMember(
  vault: OpenedVault,
  label: unknown,
  onProgress?: ProgressListener,
): Promise<RemovedMembers> {
  const name = memberLabel(label);
  const going = memberSlots(vault).filter((slot) => belongsTo(slot, name));
  if (going.length === 0) {
    throw new ValidationError(
      `the vault has no member ${JSON.stringify(name)}`,
      { remedy: { kind: "list-members" } },
    );
  }
  const opener = vault.unlocked.slot.row.id;
  if (
    going.some((slot) => slot.row.id === opener) &&
    !await holdsCopySecret(vault)
  ) {
    throw new ValidationError(
      `this engine was opened by ${
        JSON.stringify(name)
      }'s own key, and no slot of this copy opens it here: open it with this copy's keyfile, passphrase or key (or run rebind first), then remove the member`,
    );
  }
  await rotateEpoch(vault, {
    keep: null,
    removing: new Set(going.map((slot) => slot.row.id)),
    expose: { member: name, removed: Date.now() },
    onProgress,
  });
  // Every entry was marked: the member could read each of them.
  let exposed = 0;
  vault.table.eachHead(() => exposed++);
  return { removed: going.map(memberInfo), exposed };
}
