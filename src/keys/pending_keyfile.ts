/**
 * A pending keyfile, as a rebind leaves one: written inside the rebind's
 * transaction and promoted after it commits. One that a crashed rebind
 * left and that opens the current machine slot must be promoted, not
 * overwritten; and a rebind must not commit over a machine slot or a
 * pending keyfile that changed since it looked.
 *
 * @module
 */

import { equalBytes } from "../crypto.ts";
import type { SlotRow } from "../storage/schema.ts";
import type { Store } from "../storage/store.ts";
import { findKeyfiles } from "./keyfile.ts";
import { deriveSlotKek, machineSecret, type Slot, unwrapSlot } from "./slot.ts";
import { vaultSlots } from "./unlock.ts";

/** A pending keyfile, and the machine slot it was checked against. */
export interface PendingCheck {
  /** The pending keyfile's bytes, or `null` when there is none. */
  pending: Uint8Array | null;
  /** The machine slot, if the vault has one. */
  machine: Slot | undefined;
  /**
   * Whether the pending keyfile opens that machine slot: a rebind that
   * committed and crashed before promoting it, to be promoted, not lost.
   */
  opens: boolean;
}

/**
 * Looks at the vault in `dir` (its slots in `store`, of `format`): its
 * pending keyfile, if any, and whether it opens the machine slot.
 */
export async function checkPending(
  store: Store,
  format: number,
  dir: string,
): Promise<PendingCheck> {
  const machine = vaultSlots(store, format)
    .find((slot) => slot.kind === "machine");
  const found = findKeyfiles(dir, null);
  const pending = found.find((keyfile) => keyfile.pending)?.bytes ?? null;
  for (const keyfile of found) if (!keyfile.pending) keyfile.bytes.fill(0);
  if (pending === null || machine === undefined) {
    return { pending, machine, opens: false };
  }
  const kek = await deriveSlotKek(
    machine,
    machineSecret(pending, machine.factors),
  );
  const dek = unwrapSlot(machine, kek);
  kek.fill(0);
  dek?.fill(0);
  return { pending, machine, opens: dek !== null };
}

function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  return a === null || b === null ? a === b : equalBytes(a, b);
}

/**
 * Whether the machine slot among `slots` and the pending keyfile in `dir`
 * are still as `check` found them.
 */
export function pendingUnchanged(
  check: PendingCheck,
  slots: readonly SlotRow[],
  dir: string,
): boolean {
  const machine = slots.find((slot) => slot.kind === "machine");
  const found = findKeyfiles(dir, null);
  const pending = found.find((keyfile) => keyfile.pending)?.bytes ?? null;
  const same = machine?.id === check.machine?.row.id &&
    sameBytes(machine?.wrapped ?? null, check.machine?.row.wrapped ?? null) &&
    sameBytes(pending, check.pending);
  for (const keyfile of found) keyfile.bytes.fill(0);
  return same;
}
