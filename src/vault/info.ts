/**
 * What {@linkcode SecretsEngine.info} reports of an open vault.
 *
 * @module
 */

import { slotInfo } from "../keys/slot.ts";
import { listSlots } from "./slots.ts";
import type { OpenedVault } from "./opened.ts";
import type { BindingFactor, SlotInfo } from "../types.ts";

/** What {@linkcode SecretsEngine.info} reports. */
export interface VaultInfo {
  /** The vault directory's real path. */
  path: string;
  /** How many secrets it holds. */
  size: number;
  /**
   * The machine slot's binding factors besides the keyfile (none: the
   * keyfile alone, or no machine slot).
   */
  factors: BindingFactor[];
  /** The slot that unlocked this engine. */
  unlockedBy: SlotInfo;
  /** The on-disk format version. */
  format: number;
  /** How many earlier versions of each secret the vault keeps. */
  historyLimit: number;
  /**
   * Whether this open found the file exactly as last sealed; `false` means
   * it was verified in full (after an unclean exit, another process's
   * writes, or a first open).
   */
  openedSealed: boolean;
}

/** The facts {@linkcode VaultInfo} lists, for a vault holding `size` entries. */
export function vaultInfo(vault: OpenedVault, size: number): VaultInfo {
  const machine = listSlots(vault).find((slot) => slot.kind === "machine");
  return {
    path: vault.dir,
    size,
    factors: machine?.factors ?? [],
    unlockedBy: slotInfo(vault.unlocked.slot),
    format: vault.format,
    historyLimit: vault.table.meta.historyLimit(),
    openedSealed: vault.openedSealed,
  };
}
