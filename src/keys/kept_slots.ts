/**
 * The slots of this copy a rotation keeps: the key-encryption key of each,
 * found from what opened the engine, the keyfiles of the vault and the
 * secrets the caller passes to keep; and the copy secret a keyfile here
 * opens, for an engine a member's key opened. Key-hierarchy logic:
 * `keys/rewrap.ts` and `vault/members.ts` ask.
 *
 * @module
 */

import { KeyMismatchError } from "../errors.ts";
import { findKeyfiles } from "./keyfile.ts";
import { machineSecret, type Slot } from "./slot.ts";
import { firstOpening, type Unlocked } from "./unlock.ts";
import {
  type SecretUnlock,
  unlockKind,
  unlockSecret,
} from "./unlock_options.ts";

/** The first slot in `slots` that `secret` opens, with its KEK. */
async function opening(
  slots: readonly Slot[],
  secret: Uint8Array,
): Promise<[Slot, Uint8Array] | null> {
  const opened = await firstOpening(slots, secret);
  opened?.dek.fill(0);
  return opened && [opened.slot, opened.kek];
}

/**
 * The key-encryption key of every slot a rotation keeps, by slot id: the
 * slot that unlocked this engine, the machine slot when a keyfile in `dir`
 * still opens it, and each slot a secret in `keep` opens. A secret that opens no slot is
 * {@linkcode KeyMismatchError}, before anything changes.
 */
export async function keptKeks(
  dir: string,
  unlocked: Pick<Unlocked, "slot" | "kek">,
  slots: readonly Slot[],
  keep: readonly SecretUnlock[],
): Promise<Map<string, Uint8Array>> {
  const keks = new Map<string, Uint8Array>();
  if (unlocked.slot.kind !== "member") {
    keks.set(unlocked.slot.row.id, unlocked.kek.slice());
  }
  const machine = slots.find((slot) => slot.kind === "machine");
  if (machine !== undefined && !keks.has(machine.row.id)) {
    for (const keyfile of findKeyfiles(dir, null)) {
      const secret = machineSecret(keyfile.bytes, machine.factors);
      keyfile.bytes.fill(0);
      const found = await opening([machine], secret);
      if (found !== null && !keks.has(machine.row.id)) {
        keks.set(machine.row.id, found[1]);
      }
    }
  }
  for (const unlock of keep) {
    const kind = unlockKind(unlock);
    const candidates = slots.filter((slot) => slot.kind === kind);
    const found = await opening(candidates, unlockSecret(unlock));
    if (found === null) {
      for (const kek of keks.values()) kek.fill(0);
      throw new KeyMismatchError(
        `a ${kind} in keep opens no slot of this vault`,
      );
    }
    keks.set(found[0].row.id, found[1]);
  }
  return keks;
}

/**
 * The copy secret the keyfiles in `dir` open through the machine slot
 * among `slots`, or `null` when none does: whether a slot of this copy
 * opens the vault here, for an engine a member's identity opened.
 */
export async function copySecretHere(
  dir: string,
  slots: readonly Slot[],
): Promise<Uint8Array | null> {
  const machine = slots.find((slot) => slot.kind === "machine");
  if (machine === undefined) return null;
  for (const keyfile of findKeyfiles(dir, null)) {
    const secret = machineSecret(keyfile.bytes, machine.factors);
    keyfile.bytes.fill(0);
    const opened = await firstOpening([machine], secret);
    if (opened !== null) {
      opened.kek.fill(0);
      return opened.dek;
    }
  }
  return null;
}
