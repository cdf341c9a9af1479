/**
 * Member slots (format 6): the vault's keys wrapped to a person's or a
 * machine's own age or SSH key, as an age file is wrapped to its
 * recipients. The slot's `wrapped` cell is a whole age v1 file, so the
 * real `age -d -i KEY` opens it; what it holds binds the vault's random id
 * and the slot's id (age has no additional data), so a slot copied into
 * another vault, or to another row, does not open:
 *
 * `MEMBER_PAYLOAD_LABEL ‖ 0x00 ‖ vault id (16) ‖ slot id (8, ASCII) ‖ data key (32) ‖ name key (32)`
 *
 * This module loads the age library: the key layer imports it only when a
 * vault has or gains a member.
 *
 * @module
 */

import { Decrypter, Encrypter } from "age-encryption";
import { equalBytes } from "../crypto.ts";
import { KeyMismatchError } from "../errors.ts";
import type { SlotRow } from "../storage/schema.ts";
import {
  type ParsedIdentity,
  type ParsedRecipient,
  parseRecipient,
} from "../recipients/recipients.ts";
import {
  packKeys,
  unpackKeys,
  VAULT_ID_BYTES,
  type VaultKeys,
} from "./copy_key.ts";
import { draftSlot, type Slot } from "./slot.ts";

/** The label that begins what a member slot wraps. */
export const MEMBER_PAYLOAD_LABEL = "@scope/secrets member slot";

const SLOT_ID_CHARS = 8;
const encoder = new TextEncoder();

function payload(
  vaultId: Uint8Array,
  slotId: string,
  keys: VaultKeys,
): Uint8Array {
  const head = encoder.encode(`${MEMBER_PAYLOAD_LABEL}\0`);
  const id = encoder.encode(slotId);
  const packed = packKeys(keys);
  const bytes = new Uint8Array(
    head.length + vaultId.length + id.length + packed.length,
  );
  bytes.set(head);
  bytes.set(vaultId, head.length);
  bytes.set(id, head.length + vaultId.length);
  bytes.set(packed, head.length + vaultId.length + id.length);
  packed.fill(0);
  return bytes;
}

/** The keys a payload holds, when it is bound to this vault and slot. */
function readPayload(
  bytes: Uint8Array,
  vaultId: Uint8Array,
  slotId: string,
): VaultKeys | null {
  const expected = payload(vaultId, slotId, {
    dek: new Uint8Array(32),
    nameKey: new Uint8Array(32),
  });
  const bound = expected.length - 64;
  if (
    bytes.length !== expected.length ||
    !equalBytes(bytes.subarray(0, bound), expected.subarray(0, bound))
  ) {
    return null;
  }
  return unpackKeys(bytes.subarray(bound));
}

async function wrapTo(
  recipient: ParsedRecipient,
  vaultId: Uint8Array,
  slotId: string,
  keys: VaultKeys,
): Promise<Uint8Array> {
  if (vaultId.length !== VAULT_ID_BYTES || slotId.length !== SLOT_ID_CHARS) {
    throw new RangeError(
      "a member slot binds a 16-byte vault id and an 8-character slot id",
    );
  }
  const encrypter = new Encrypter();
  encrypter.addRecipient(recipient.age);
  const plain = payload(vaultId, slotId, keys);
  try {
    return await encrypter.encrypt(plain);
  } finally {
    plain.fill(0);
  }
}

/**
 * A new member slot for `recipient`, labelled `label`, added through the
 * slot `by`, wrapping `keys`.
 */
export async function draftMemberSlot(
  recipient: ParsedRecipient,
  label: string,
  by: string,
  vaultId: Uint8Array,
  keys: VaultKeys,
): Promise<SlotRow> {
  const draft = draftSlot("member", label, [], {
    name: "age",
    type: recipient.kind,
    recipient: recipient.recipient,
    fingerprint: recipient.fingerprint,
    by,
  });
  const wrapped = await wrapTo(recipient, vaultId, draft.row.id, keys);
  return { ...draft.row, wrapped };
}

/**
 * `slot`, a member slot, rewrapped for `keys` to its recipient, or to `to`
 * (keeping its id and label: a copy's own key that changed with its copy
 * secret).
 */
export async function rewrapMemberSlot(
  slot: Slot,
  vaultId: Uint8Array,
  keys: VaultKeys,
  to?: string,
): Promise<SlotRow> {
  if (slot.kdf.name !== "age") throw new TypeError("not a member slot");
  const recipient = parseRecipient(to ?? slot.kdf.recipient);
  const wrapped = await wrapTo(recipient, vaultId, slot.row.id, keys);
  const kdf = to === undefined ? slot.row.kdf : JSON.stringify({
    ...JSON.parse(slot.row.kdf),
    type: recipient.kind,
    recipient: recipient.recipient,
    fingerprint: recipient.fingerprint,
  });
  return { ...slot.row, kdf, wrapped };
}

/** A member slot that opened, and the keys it holds. */
export interface OpenedMember {
  /** The slot. */
  slot: Slot;
  /** The keys it wraps. */
  keys: VaultKeys;
}

/**
 * Opens the first member slot one of `identities` answers to (matched by
 * fingerprint, so no other slot is tried). None is
 * {@linkcode KeyMismatchError}, saying which fingerprints were looked for.
 */
export async function openMemberSlot(
  slots: readonly Slot[],
  identities: readonly ParsedIdentity[],
  vaultId: Uint8Array,
): Promise<OpenedMember> {
  const prints = new Set(identities.map((id) => id.recipient.fingerprint));
  const decrypter = new Decrypter();
  for (const identity of identities) decrypter.addIdentity(identity.age);
  for (const slot of slots) {
    if (slot.kdf.name !== "age" || !prints.has(slot.kdf.fingerprint)) continue;
    let plain: Uint8Array;
    try {
      plain = await decrypter.decrypt(slot.row.wrapped);
    } catch {
      continue;
    }
    const keys = readPayload(plain, vaultId, slot.row.id);
    plain.fill(0);
    if (keys !== null) return { slot, keys };
  }
  throw new KeyMismatchError(
    `no member slot of this vault opens with the identity given (${
      [...prints].join(", ")
    }): it is not a member, or was removed`,
  );
}
