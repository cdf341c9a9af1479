/**
 * Changing how a vault opens: adding a passphrase or key slot, removing a
 * slot, and rebinding the machine slot to a new keyfile. Each change is one
 * transaction that keeps the integrity accumulator in step; the last slot
 * can never be removed.
 *
 * @module
 */

import { KEY_BYTES, randomBytes } from "../crypto.ts";
import { BusyError, ValidationError } from "../errors.ts";
import { parseFactors } from "../keys/factors.ts";
import { vaultSlots } from "../keys/unlock.ts";
import {
  promoteKeyfile,
  promotePending,
  removeKeyfiles,
  writePendingKeyfile,
} from "../keys/keyfile.ts";
import { formatRecoveryKey, RECOVERY_KEY_BYTES } from "../keys/recovery_key.ts";
import { checkPending, pendingUnchanged } from "../keys/pending_keyfile.ts";
import {
  checkLabel,
  deriveSlotKek,
  draftSlot,
  machineSecret,
  parseSlot,
  passphraseSecret,
  type Slot,
  slotInfo,
  wrapSlot,
} from "../keys/slot.ts";
import { MAX_SLOTS } from "../limits.ts";
import { copyRecordFor } from "../keys/copy_key.ts";
import { type CopyRecord, readCopyRecord } from "../storage/meta_table.ts";
import { writeSlots } from "../storage/writes.ts";
import type { OpenedVault } from "./opened.ts";
import type { BindingFactor, SlotInfo } from "../types.ts";

/** A new key slot's key, shown once. */
export interface AddedKey {
  /** The slot that holds it. */
  slot: SlotInfo;
  /**
   * The key, in groups of Crockford base32 with a check character: the
   * recovery key to store offline, or the CI secret. It is not kept.
   */
  key: string;
}

const REBIND_ATTEMPTS = 3;

/**
 * Every slot of the vault, as users see them.
 */
export function listSlots(vault: OpenedVault): SlotInfo[] {
  return vaultSlots(vault.store, vault.format).map(slotInfo);
}

/**
 * The copy secret this copy's local slots wrap; an engine opened through a
 * member slot does not hold it, and is refused with what to do.
 */
function copySecret(vault: OpenedVault): Uint8Array {
  const secret = vault.unlocked.copySecret;
  if (secret === null) {
    throw new ValidationError(
      "this engine was opened through a member slot, which does not hold the key of this copy's own slots: run rebind first to give this copy a keyfile, then add slots",
    );
  }
  return secret;
}

function addSlot(vault: OpenedVault, draft: Slot, kek: Uint8Array): SlotInfo {
  const row = wrapSlot(draft, kek, copySecret(vault));
  kek.fill(0);
  writeSlots(vault, (session) => {
    const local = session.slots.filter((slot) => slot.kind !== "member");
    if (local.length >= MAX_SLOTS) {
      throw new ValidationError(
        `a vault holds at most ${MAX_SLOTS} key slots: remove one first`,
      );
    }
    session.add(row);
  });
  return slotInfo(parseSlot(row));
}

/** Adds a passphrase slot (scrypt), after checking the passphrase. */
export async function addPassphraseSlot(
  vault: OpenedVault,
  passphrase: unknown,
  label: unknown,
): Promise<SlotInfo> {
  if (typeof passphrase !== "string" || passphrase === "") {
    throw new ValidationError("the passphrase must be a non-empty string");
  }
  copySecret(vault);
  const draft = draftSlot("passphrase", checkLabel(label), []);
  const kek = await deriveSlotKek(draft, passphraseSecret(passphrase));
  return addSlot(vault, draft, kek);
}

/** Adds a key slot (HKDF) for a new random key, and returns the key once. */
export async function addKeySlot(
  vault: OpenedVault,
  label: unknown,
): Promise<AddedKey> {
  copySecret(vault);
  const draft = draftSlot("key", checkLabel(label), []);
  const secret = randomBytes(RECOVERY_KEY_BYTES);
  const key = formatRecoveryKey(secret);
  const kek = await deriveSlotKek(draft, secret);
  return { slot: addSlot(vault, draft, kek), key };
}

/**
 * Removes slot `id`. An unknown id, or the last slot, is a
 * {@linkcode ValidationError}. Removing the machine slot also removes the
 * keyfile, which then opens nothing.
 */
export function removeSlot(vault: OpenedVault, id: unknown): SlotInfo {
  if (typeof id !== "string" || id === "") {
    throw new ValidationError("a slot id is a non-empty string");
  }
  const removed = writeSlots(vault, (session) => {
    const slot = session.slots.find((row) => row.id === id);
    if (slot === undefined) {
      throw new ValidationError(
        `the vault has no key slot ${JSON.stringify(id)}`,
        { remedy: { kind: "list-slots" } },
      );
    }
    if (slot.kind === "member") {
      throw new ValidationError(
        "a member's slot is removed with removeMember (secrets members remove), which also rotates the data key it could read",
      );
    }
    if (session.slots.length === 1) {
      throw new ValidationError(
        "this is the vault's last key slot: without it the vault could never be opened again",
      );
    }
    session.remove(slot);
    return parseSlot(slot);
  });
  if (removed.kind === "machine") {
    vault.store.transaction(() => {
      const slots = vaultSlots(vault.store, vault.format);
      if (!slots.some((slot) => slot.kind === "machine")) {
        removeKeyfiles(vault.dir);
      }
    });
  }
  return slotInfo(removed);
}

/**
 * Gives the vault a new keyfile and a machine slot for it (bound to
 * `factors`, default none), replacing the machine slot there was. The new
 * keyfile is written as pending inside the transaction and promoted after
 * it commits; a pending keyfile a crashed rebind left, which opens the
 * current machine slot, is promoted first rather than overwritten.
 *
 * An engine opened through a member slot (a copy of the files taken to
 * another machine) makes this copy its own: a new copy secret, which the
 * new machine slot wraps, replaces the copied one, and the local slots of
 * the copy it came from, which this machine cannot open, are removed.
 */
export async function rebindSlot(
  vault: OpenedVault,
  factors: unknown,
): Promise<SlotInfo> {
  const bound: BindingFactor[] = parseFactors(factors ?? []);
  const keyfile = randomBytes(KEY_BYTES);
  const rehome = vault.unlocked.copySecret === null;
  const secret = vault.unlocked.copySecret ?? randomBytes(KEY_BYTES);
  const copy = rehome ? newCopy(vault, secret) : null;
  const draft = draftSlot("machine", "", bound);
  const kek = await deriveSlotKek(draft, machineSecret(keyfile, bound));
  const row = wrapSlot(draft, kek, secret);
  try {
    for (let attempt = 0; attempt < REBIND_ATTEMPTS; attempt++) {
      const check = await checkPending(vault.store, vault.format, vault.dir);
      const done = writeSlots(vault, (session) => {
        if (!pendingUnchanged(check, session.slots, vault.dir)) return false;
        if (check.opens && check.pending) {
          promotePending(vault.dir, check.pending);
        }
        writePendingKeyfile(vault.dir, keyfile);
        for (const old of session.slots) {
          if (old.kind === "machine" || (rehome && old.kind !== "member")) {
            session.remove(old);
          }
        }
        session.add(row);
        if (copy !== null) session.replaceCopy(copy);
        return true;
      });
      check.pending?.fill(0);
      if (!done) continue;
      promoteKeyfile(vault.store, vault.dir, keyfile);
      const slot = parseSlot(row);
      if (vault.unlocked.slot.kind === "machine" || rehome) {
        vault.unlocked.kek.fill(0);
        vault.unlocked = { ...vault.unlocked, slot, kek, copySecret: secret };
      } else kek.fill(0);
      return slotInfo(slot);
    }
  } finally {
    keyfile.fill(0);
  }
  kek.fill(0);
  throw new BusyError(vault.busyTimeoutMs);
}

/** A copy record for a new copy secret, wrapping the keys held now. */
function newCopy(vault: OpenedVault, secret: Uint8Array): CopyRecord {
  const { vaultId } = readCopyRecord(vault.store);
  return copyRecordFor(secret, vaultId, {
    dek: vault.unlocked.dek,
    nameKey: vault.keys.index,
  });
}
