/**
 * Bringing a vault of an earlier format up to date on its first writable
 * open: format 1 or 2 gets key slots (its wrapped key becomes the machine
 * slot), format 3 versioned entries, format 4 annotations. One transaction from any earlier
 * format to the current one, so an upgrade refused halfway leaves the
 * vault as it was. A vault of format 4 or later is verified in full
 * first (formats up to 3 check every row as the upgrade reads it), so a
 * tampered vault is refused before any byte of it changes.
 *
 * @module
 */

import { upgradeToSlots } from "../keys/single_key.ts";
import type { Unlocked } from "../keys/unlock.ts";
import {
  FORMAT_VERSION,
  LAST_SINGLE_KEY_FORMAT,
  LAST_UNVERSIONED_FORMAT,
} from "../storage/schema.ts";
import { verifyVault } from "../storage/integrity.ts";
import type { Store } from "../storage/store.ts";
import { upgradeToAnnotations, upgradeToVersions } from "../storage/upgrade.ts";

/**
 * Upgrades the vault `unlocked` opened to the current format, keeping
 * `historyLimit` earlier versions of each secret from then on; returns
 * what it is unlocked with afterwards. A vault of the current format is
 * left as it is. On failure, the keys `unlocked` holds are zeroed.
 */
export function upgradeVault(
  store: Store,
  unlocked: Unlocked,
  historyLimit: number,
): Unlocked {
  if (unlocked.format >= FORMAT_VERSION) return unlocked;
  const { dek, kek, keys } = unlocked;
  try {
    if (unlocked.format > LAST_UNVERSIONED_FORMAT) verifyVault(store, keys);
    const slot = store.transaction(() => {
      const upgraded = unlocked.format > LAST_SINGLE_KEY_FORMAT
        ? unlocked.slot
        : upgradeToSlots(store, unlocked.slot, kek, dek);
      upgradeToVersions(store, keys, historyLimit);
      upgradeToAnnotations(store);
      return upgraded;
    });
    return { ...unlocked, format: FORMAT_VERSION, slot };
  } catch (error) {
    for (const key of [dek, kek, ...Object.values(keys)]) key.fill(0);
    throw error;
  }
}
