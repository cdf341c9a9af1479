/**
 * Unlocking a vault through one of its slots: the machine slot by default,
 * a passphrase or key slot, or a member slot (an age or SSH identity) when
 * the caller passes `unlock`. From format 6 a local slot opens the copy
 * secret, which opens this copy's wrap of the data key and name key
 * (`copy_key.ts`); a member slot holds them itself. A vault of format 1 or
 * 2 reads as having one machine slot (the vault layer upgrades it to slots
 * on its first writable open).
 *
 * @module
 */

import {
  deriveSubKeys,
  equalBytes,
  keyCheck,
  type SubKeys,
} from "../crypto.ts";
import { IntegrityError, KeyMismatchError } from "../errors.ts";
import {
  LAST_SINGLE_KEY_FORMAT,
  LAST_UNSHARED_FORMAT,
} from "../storage/schema.ts";
import {
  type CopyRecord,
  readCopyRecord,
  readFormat,
  readKeyCheck,
  readSingleKey,
} from "../storage/meta_table.ts";
import { readSlots } from "../storage/slot_table.ts";
import type { Store } from "../storage/store.ts";
import type { Owner } from "../storage/files.ts";
import { findKeyfiles, promoteKeyfile } from "./keyfile.ts";
import { singleKeySlot } from "./single_key.ts";
import {
  type SecretUnlock,
  unlockKind,
  unlockSecret,
} from "./unlock_options.ts";
import { unwrapCopy, type VaultKeys } from "./copy_key.ts";
import {
  deriveSlotKek,
  machineSecret,
  parseSlot,
  type Slot,
  unwrapSlot,
} from "./slot.ts";
import type { BindingFactor, Unlock } from "../types.ts";

/** What an open asks of the key layer. */
export interface VaultRequest {
  /** A passphrase or key to open with, instead of the machine slot. */
  unlock: Unlock | undefined;
  /** Read-only: no upgrade, no keyfile promotion. */
  recover: boolean;
  /** The binding factors of a new vault. */
  factors: BindingFactor[];
  /** How many earlier versions a new or upgraded vault keeps. */
  historyLimit: number;
}

/** An open vault's keys, and the slot that opened it. */
export interface Unlocked {
  /** The format, as stored (before any upgrade). */
  format: number;
  /** The data key; zeroed when the engine closes. */
  dek: Uint8Array;
  /** The data key's sub-keys, and the name key as `index`. */
  keys: SubKeys;
  /** The slot that unlocked the vault. */
  slot: Slot;
  /**
   * That slot's key-encryption key, kept to rewrap it on rotation (empty
   * for a member slot).
   */
  kek: Uint8Array;
  /**
   * What this copy's local slots wrap, kept for slot changes: the copy
   * secret (format 6; before, the data key itself), or `null` when a
   * member slot opened the vault.
   */
  copySecret: Uint8Array | null;
}

/**
 * The machine slot's failure `problem`, saying what else the vault opens
 * with, if anything: then the remedy is to open it with `unlock`.
 */
function machineFailure(
  problem: string,
  slots: readonly Slot[],
): KeyMismatchError {
  const kinds = [...new Set(slots.map((slot) => slot.kind))]
    .filter((kind) => kind !== "machine");
  if (kinds.length === 0) return new KeyMismatchError(problem);
  return new KeyMismatchError(
    `${problem}; it also opens with a ${
      kinds.join(" or ")
    } slot, and once opened so, rebind makes a new keyfile`,
    { remedy: { kind: "unlock" } },
  );
}

/** A slot that opened, its key-encryption key and the data key it wraps. */
export interface Opened {
  /** The slot. */
  slot: Slot;
  /** Its key-encryption key. */
  kek: Uint8Array;
  /** The data key. */
  dek: Uint8Array;
}

async function tryUnwrap(
  slot: Slot,
  secret: Uint8Array,
): Promise<Opened | null> {
  const kek = await deriveSlotKek(slot, secret);
  const dek = unwrapSlot(slot, kek);
  if (dek !== null) return { slot, kek, dek };
  kek.fill(0);
  return null;
}

async function openMachineSlot(
  store: Store,
  dir: string,
  owner: Owner,
  slots: readonly Slot[],
  readOnly: boolean,
): Promise<Opened> {
  const machine = slots.find((slot) => slot.kind === "machine");
  if (machine === undefined) {
    throw new KeyMismatchError(
      `this vault has no machine slot, only ${
        [...new Set(slots.map((slot) => slot.kind))].join(" and ")
      } slots`,
      { remedy: { kind: "unlock" } },
    );
  }
  const keyfiles = findKeyfiles(dir, owner);
  try {
    if (keyfiles.length === 0) {
      throw machineFailure("the keyfile is missing", slots);
    }
    for (const keyfile of keyfiles) {
      const secret = machineSecret(keyfile.bytes, machine.factors);
      const opened = await tryUnwrap(machine, secret);
      if (opened === null) continue;
      if (keyfile.pending && !readOnly) {
        promoteKeyfile(store, dir, keyfile.bytes);
      }
      return opened;
    }
    throw machineFailure(
      "the data key does not unwrap: the machine identity changed, the keyfile was replaced, or the key slot was altered",
      slots,
    );
  } finally {
    for (const keyfile of keyfiles) keyfile.bytes.fill(0);
  }
}

/**
 * The first of `slots` that `secret` opens, with its KEK and the data key;
 * `null` when none does. Zeroes `secret`.
 */
export async function firstOpening(
  slots: readonly Slot[],
  secret: Uint8Array,
): Promise<Opened | null> {
  try {
    for (const slot of slots) {
      const opened = await tryUnwrap(slot, secret.slice());
      if (opened !== null) return opened;
    }
    return null;
  } finally {
    secret.fill(0);
  }
}

async function openWithSecret(
  slots: readonly Slot[],
  unlock: SecretUnlock,
): Promise<Opened> {
  const kind = unlockKind(unlock);
  const candidates = slots.filter((slot) => slot.kind === kind);
  if (candidates.length === 0) {
    throw new KeyMismatchError(
      `this vault has no ${kind} slot, only ${
        [...new Set(slots.map((slot) => slot.kind))].join(" and ")
      } slots`,
    );
  }
  const opened = await firstOpening(candidates, unlockSecret(unlock));
  if (opened === null) {
    throw new KeyMismatchError(`the ${kind} opens no slot of this vault`);
  }
  return opened;
}

/**
 * Every slot of the vault: the slots table, or the one machine slot a
 * format 1 or 2 vault reads as.
 */
export function vaultSlots(store: Store, format: number): Slot[] {
  return format > LAST_SINGLE_KEY_FORMAT
    ? readSlots(store).map((row) => parseSlot(row))
    : [singleKeySlot(readSingleKey(store))];
}

/**
 * What an unlock reads of the vault, read in one snapshot: a process that
 * upgrades or rotates the vault meanwhile changes the key check and the
 * copy record together, so an unlock never pairs one state's slots with
 * another's key check.
 */
interface VaultView {
  format: number;
  slots: Slot[];
  keyCheck: Uint8Array | null;
  copy: CopyRecord | null;
}

function readView(store: Store): VaultView {
  return store.snapshot(() => {
    const format = readFormat(store);
    return {
      format,
      slots: vaultSlots(store, format),
      keyCheck: readKeyCheck(store),
      copy: format > LAST_UNSHARED_FORMAT ? readCopyRecord(store) : null,
    };
  });
}

/** Refuses a data key other than the one the key check was made with. */
function checkKey(view: VaultView, slot: Slot, keys: SubKeys): void {
  const stored = view.keyCheck;
  if (stored === null || !equalBytes(stored, keyCheck(keys))) {
    throw new IntegrityError(
      `key slot ${slot.row.id} unwraps to a key that is not this vault's: the slot was substituted, or the key check altered`,
    );
  }
}

/**
 * Unwraps the data key of an existing vault through the machine slot, or
 * through the passphrase or key slot `unlock` opens (`upgrade.ts` in the
 * vault layer then brings a vault of an earlier format up to date). A
 * missing or replaced keyfile, changed binding factors, a wrong passphrase
 * or key, or an altered slot, is {@linkcode KeyMismatchError}; a factor
 * whose permission is missing is a `PermissionError` naming it.
 */
export async function unlockVault(
  store: Store,
  dir: string,
  owner: Owner,
  { unlock, recover: readOnly }: Pick<VaultRequest, "unlock" | "recover">,
): Promise<Unlocked> {
  const view = readView(store);
  if (unlock !== undefined && "identity" in unlock) {
    return await unlockAsMember(view, unlock.identity, unlock.passphrase);
  }
  const opened = unlock === undefined
    ? await openMachineSlot(store, dir, owner, view.slots, readOnly)
    : await openWithSecret(view.slots, unlock);
  // Before format 6 the slots wrapped the data key, and the name key was
  // derived from it.
  const vaultKeys = view.copy !== null
    ? copyKeys(view.copy, opened)
    : { dek: opened.dek.slice(), nameKey: undefined };
  return checked(view, opened.slot, vaultKeys, {
    kek: opened.kek,
    copySecret: opened.dek,
  });
}

/** The keys this copy's wrap holds, opened with the copy secret. */
function copyKeys(copy: CopyRecord, opened: Opened): VaultKeys {
  try {
    return unwrapCopy(opened.dek, copy.vaultId, copy.wrap);
  } catch (error) {
    opened.dek.fill(0);
    opened.kek.fill(0);
    throw error;
  }
}

async function unlockAsMember(
  view: VaultView,
  identity: string,
  passphrase: string | undefined,
): Promise<Unlocked> {
  if (view.copy === null || !view.slots.some((s) => s.kind === "member")) {
    throw new KeyMismatchError(
      "this vault has no member slot: it opens with its keyfile, a passphrase or a key",
    );
  }
  const { openMemberSlot } = await import("./member_slot.ts");
  const { parseIdentities } = await import("../recipients/recipients.ts");
  const identities = await parseIdentities(identity, passphrase);
  const opened = await openMemberSlot(
    view.slots,
    identities,
    view.copy.vaultId,
  );
  return checked(view, opened.slot, opened.keys, {
    kek: new Uint8Array(),
    copySecret: null,
  });
}

/** The unlocked vault, once its key check accepts the keys. */
function checked(
  view: VaultView,
  slot: Slot,
  vaultKeys: { dek: Uint8Array; nameKey: Uint8Array | undefined },
  local: Pick<Unlocked, "kek" | "copySecret">,
): Unlocked {
  const keys = deriveSubKeys(vaultKeys.dek, vaultKeys.nameKey);
  vaultKeys.nameKey?.fill(0);
  try {
    if (view.format > LAST_SINGLE_KEY_FORMAT) checkKey(view, slot, keys);
  } catch (error) {
    const secrets = [vaultKeys.dek, local.kek, ...Object.values(keys)];
    for (const key of [...secrets, local.copySecret]) key?.fill(0);
    throw error;
  }
  return { format: view.format, dek: vaultKeys.dek, keys, slot, ...local };
}
