/**
 * Envelope keys: making a new vault (its keyfile, data key and first
 * machine slot) and unlocking an existing one through one of its slots:
 * the machine slot by default, or a passphrase or key slot when the caller
 * passes `unlock`. A vault of format 1 or 2 reads as having one machine
 * slot and is upgraded to slots on its first writable open.
 *
 * @module
 */

import {
  deriveSubKeys,
  equalBytes,
  KEY_BYTES,
  keyCheck,
  randomBytes,
  type SubKeys,
} from "../crypto.ts";
import {
  IntegrityError,
  KeyMismatchError,
  ValidationError,
} from "../errors.ts";
import { encodeIntegrity } from "../storage/integrity.ts";
import { historyLimitMac, slotMac, xorInto } from "../storage/macs.ts";
import { upgradeToVersions } from "../storage/upgrade.ts";
import {
  FORMAT_VERSION,
  isEmpty,
  LAST_SINGLE_KEY_FORMAT,
  readFormat,
  readKeyCheck,
  readSingleKey,
  SCHEMA,
  writeMeta,
} from "../storage/schema.ts";
import { insertSlot, readSlots } from "../storage/slot_table.ts";
import type { Store } from "../storage/store.ts";
import type { Owner } from "../storage/files.ts";
import type { BindingFactor } from "./factors.ts";
import {
  findKeyfiles,
  promoteKeyfile,
  writePendingKeyfile,
} from "./keyfile.ts";
import { parseRecoveryKey } from "./recovery_key.ts";
import { singleKeySlot, upgradeToSlots } from "./single_key.ts";
import {
  deriveSlotKek,
  draftSlot,
  machineSecret,
  parseSlot,
  passphraseSecret,
  type Slot,
  unwrapSlot,
  wrapSlot,
} from "./slot.ts";

/**
 * A secret that opens a passphrase or key slot, for
 * {@linkcode SecretsEngine.open}'s `unlock`.
 */
export type Unlock = { passphrase: string } | { key: string };

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
  /** The format, as of the end of the open (after any upgrade). */
  format: number;
  /** The data key, kept for slot changes; zeroed when the engine closes. */
  dek: Uint8Array;
  /** The data key's sub-keys. */
  keys: SubKeys;
  /** The slot that unlocked the vault. */
  slot: Slot;
  /** That slot's key-encryption key, kept to rewrap it on rotation. */
  kek: Uint8Array;
}

/**
 * Checks an `unlock` option: one of `{ passphrase }` (non-empty) or
 * `{ key }` (a well-formed key: a typo is reported as one here).
 *
 * @example Calling checkUnlock
 * ```ts
 * import { checkUnlock } from "./unlock.ts";
 * import assert from "node:assert/strict";
 * assert.equal(checkUnlock(undefined), undefined);
 * ```
 */
export function checkUnlock(unlock: unknown): Unlock | undefined {
  if (unlock === undefined) return undefined;
  const record: Record<string, unknown> =
    typeof unlock === "object" && unlock !== null ? { ...unlock } : {};
  const fields = Object.keys(record);
  const { passphrase, key } = record;
  if (fields.length === 1 && typeof passphrase === "string") {
    if (passphrase === "") {
      throw new ValidationError("the passphrase must not be empty");
    }
    return { passphrase };
  }
  if (fields.length === 1 && typeof key === "string") {
    parseRecoveryKey(key).fill(0);
    return { key };
  }
  throw new ValidationError(
    "unlock must be { passphrase: string } or { key: string }",
  );
}

/**
 * Creates the vault in an empty database, with a machine slot for a new
 * keyfile (bound to `factors`). The pending keyfile is written under the
 * write lock, so two processes creating one vault at once agree on it.
 * Resolves to `null` when another process created the vault first: unlock
 * it instead.
 */
export async function createVault(
  store: Store,
  dir: string,
  { factors, historyLimit }: VaultRequest,
): Promise<Unlocked | null> {
  const keyfile = randomBytes(KEY_BYTES);
  const dek = randomBytes(KEY_BYTES);
  const draft = draftSlot("machine", "", factors);
  const kek = await deriveSlotKek(draft, machineSecret(keyfile, factors));
  const row = wrapSlot(draft, kek, dek);
  const keys = deriveSubKeys(dek);
  const x = slotMac(keys.row, row);
  xorInto(x, historyLimitMac(keys, historyLimit));
  const integrity = encodeIntegrity(keys.tag, { x, count: 0 });
  try {
    const created = store.transaction(() => {
      if (!isEmpty(store)) return false;
      writePendingKeyfile(dir, keyfile);
      store.exec(SCHEMA.join(";"));
      writeMeta(store, keyCheck(keys), integrity, historyLimit);
      insertSlot(store, row);
      return true;
    });
    if (!created) {
      for (const key of [dek, kek, ...Object.values(keys)]) key.fill(0);
      return null;
    }
    promoteKeyfile(store, dir, keyfile);
  } finally {
    keyfile.fill(0);
  }
  return { format: FORMAT_VERSION, dek, keys, slot: parseSlot(row), kek };
}

/** What the vault opens with besides `except`, for an error message. */
function otherWays(slots: readonly Slot[], except: Slot["kind"]): string {
  const kinds = [...new Set(slots.map((slot) => slot.kind))]
    .filter((kind) => kind !== except);
  return kinds.length === 0
    ? ""
    : `; it also opens with a ${
      kinds.join(" or ")
    } slot (the unlock option; on the command line --passphrase, --key-file or --key-env), then rebind for a new keyfile`;
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
      } slots: pass the unlock option (on the command line --passphrase, --key-file or --key-env)`,
    );
  }
  const keyfiles = findKeyfiles(dir, owner);
  try {
    if (keyfiles.length === 0) {
      throw new KeyMismatchError(
        `the keyfile is missing${otherWays(slots, "machine")}`,
      );
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
    throw new KeyMismatchError(
      `the data key does not unwrap: the machine identity changed, the keyfile was replaced, or the key slot was altered${
        otherWays(slots, "machine")
      }`,
    );
  } finally {
    for (const keyfile of keyfiles) keyfile.bytes.fill(0);
  }
}

/** The secret an `unlock` holds, as the bytes its slots derive from. */
export function unlockSecret(unlock: Unlock): Uint8Array {
  return "passphrase" in unlock
    ? passphraseSecret(unlock.passphrase)
    : parseRecoveryKey(unlock.key);
}

/** The kind of slot an `unlock` opens. */
export function unlockKind(unlock: Unlock): "passphrase" | "key" {
  return "passphrase" in unlock ? "passphrase" : "key";
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
  unlock: Unlock,
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

/** Refuses a data key other than the one the key check was made with. */
function checkKey(store: Store, slot: Slot, keys: SubKeys): void {
  const stored = readKeyCheck(store);
  if (stored === null || !equalBytes(stored, keyCheck(keys))) {
    throw new IntegrityError(
      `key slot ${slot.row.id} unwraps to a key that is not this vault's: the slot was substituted, or the key check altered`,
    );
  }
}

/**
 * Unwraps the data key of an existing vault through the machine slot, or
 * through the passphrase or key slot `unlock` opens, and upgrades a vault
 * of an earlier format unless `recover` (to slots, then to versioned
 * entries keeping `historyLimit` earlier versions). A missing or replaced keyfile, changed
 * binding factors, a wrong passphrase or key, or an altered slot, is
 * {@linkcode KeyMismatchError}; a factor whose permission is missing is a
 * `PermissionError` naming it.
 */
export async function unlockVault(
  store: Store,
  dir: string,
  owner: Owner,
  { unlock, recover: readOnly, historyLimit }: VaultRequest,
): Promise<Unlocked> {
  let format = readFormat(store);
  const slots = vaultSlots(store, format);
  const opened = unlock === undefined
    ? await openMachineSlot(store, dir, owner, slots, readOnly)
    : await openWithSecret(slots, unlock);
  const keys = deriveSubKeys(opened.dek);
  let slot = opened.slot;
  try {
    if (format > LAST_SINGLE_KEY_FORMAT) checkKey(store, slot, keys);
    if (format < FORMAT_VERSION && !readOnly) {
      // One transaction from any earlier format to the current one: an
      // upgrade refused halfway leaves the vault as it was.
      slot = store.transaction(() => {
        const upgraded = format > LAST_SINGLE_KEY_FORMAT
          ? slot
          : upgradeToSlots(store, slot, opened.kek, opened.dek);
        upgradeToVersions(store, keys, historyLimit);
        return upgraded;
      });
      format = FORMAT_VERSION;
    }
  } catch (error) {
    for (const key of [opened.dek, opened.kek, ...Object.values(keys)]) {
      key.fill(0);
    }
    throw error;
  }
  return { format, dek: opened.dek, keys, slot, kek: opened.kek };
}
