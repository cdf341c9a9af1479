/**
 * Bringing a vault of an earlier format up to date on its first writable
 * open: format 1 or 2 gets key slots (its wrapped key becomes the machine
 * slot), format 3 versioned entries, format 4 annotations, format 5 the
 * copy key and a new data key (`storage/upgrade.ts`). One transaction from
 * any earlier format to the current one, so an upgrade refused halfway
 * leaves the vault as it was. A vault of format 4 or later is verified in
 * full first (formats up to 3 check every row as the upgrade reads it), so
 * a tampered vault is refused before any byte of it changes.
 *
 * @module
 */

import { deriveSubKeys, KEY_BYTES, randomBytes } from "../crypto.ts";
import { copyRecordFor, unwrapCopy, VAULT_ID_BYTES } from "../keys/copy_key.ts";
import { upgradeToSlots } from "../keys/single_key.ts";
import type { Unlocked } from "../keys/unlock.ts";
import {
  FORMAT_VERSION,
  LAST_SINGLE_KEY_FORMAT,
  LAST_UNVERSIONED_FORMAT,
} from "../storage/schema.ts";
import { verifyVault } from "../storage/integrity.ts";
import { readCopyRecord, readFormat } from "../storage/meta_table.ts";
import { rewriteIfMarked } from "../storage/rewrite.ts";
import type { Store } from "../storage/store.ts";
import {
  upgradeToAnnotations,
  upgradeToReplicas,
  upgradeToShared,
  upgradeToVersions,
} from "../storage/upgrade.ts";

/**
 * Upgrades the vault `unlocked` opened to {@linkcode FORMAT_VERSION} (a
 * vault already there is returned as it is); returns it unlocked under its
 * new keys. Another process that upgraded it first leaves this one to read
 * the keys that upgrade made.
 */
export function upgradeVault(
  store: Store,
  unlocked: Unlocked,
  historyLimit: number,
): Unlocked {
  if (unlocked.format >= FORMAT_VERSION) return unlocked;
  const { dek, kek, keys } = unlocked;
  // The slots wrap the old data key (a copy of it, which the unlock kept
  // apart): from now on it is the copy secret.
  const secret = unlocked.copySecret ?? dek.slice();
  const vaultKeys = { dek: randomBytes(KEY_BYTES), nameKey: keys.index };
  const nextKeys = deriveSubKeys(vaultKeys.dek, keys.index);
  const copy = copyRecordFor(secret, randomBytes(VAULT_ID_BYTES), vaultKeys);
  try {
    // Another process may have upgraded it since this one unlocked it:
    // then its rows are under the keys that upgrade made, read below.
    const behind = readFormat(store) < FORMAT_VERSION;
    if (behind && unlocked.format > LAST_UNVERSIONED_FORMAT) {
      verifyVault(store, keys);
    }
    const upgraded = store.transaction(() => {
      const slot = unlocked.format > LAST_SINGLE_KEY_FORMAT
        ? unlocked.slot
        : upgradeToSlots(store, unlocked.slot, kek, dek);
      upgradeToVersions(store, keys, historyLimit);
      upgradeToAnnotations(store);
      const shared = upgradeToShared(store, keys, nextKeys, copy);
      upgradeToReplicas(store);
      if (shared) return { slot, dek: vaultKeys.dek, keys: nextKeys };
      const made = unwrapCopy(secret, ...copyOf(store));
      return {
        slot,
        dek: made.dek,
        keys: deriveSubKeys(made.dek, made.nameKey),
      };
    });
    rewriteIfMarked(store);
    for (const key of [dek, ...Object.values(keys)]) key.fill(0);
    return {
      ...unlocked,
      ...upgraded,
      format: FORMAT_VERSION,
      copySecret: secret,
    };
  } catch (error) {
    const made = [vaultKeys.dek, secret, ...Object.values(nextKeys)];
    for (const key of [dek, kek, ...Object.values(keys), ...made]) key.fill(0);
    throw error;
  }
}

function copyOf(store: Store): [Uint8Array, Uint8Array] {
  const { vaultId, wrap } = readCopyRecord(store);
  return [vaultId, wrap];
}
