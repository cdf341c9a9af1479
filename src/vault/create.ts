/**
 * Creating a vault: its keyfile, its keys (the data key, the name key,
 * the copy secret its machine slot wraps and the vault's id), its schema
 * and first machine slot, in one transaction on an empty database.
 *
 * @module
 */

import { deriveSubKeys, KEY_BYTES, keyCheck, randomBytes } from "../crypto.ts";
import { promoteKeyfile, writePendingKeyfile } from "../keys/keyfile.ts";
import {
  deriveSlotKek,
  draftSlot,
  machineSecret,
  parseSlot,
  wrapSlot,
} from "../keys/slot.ts";
import type { Unlocked, VaultRequest } from "../keys/unlock.ts";
import { Accumulator } from "../storage/accumulator.ts";
import { FORMAT_VERSION, isEmpty, SCHEMA } from "../storage/schema.ts";
import { writeCopyRecord, writeMeta } from "../storage/meta_table.ts";
import { copyRecordFor, VAULT_ID_BYTES } from "../keys/copy_key.ts";
import { insertSlot } from "../storage/slot_table.ts";
import type { Store } from "../storage/store.ts";

/**
 * The keys and id a clone starts from: those of the vault it copies, which
 * its member slot gave.
 */
export interface VaultSeed {
  /** The data key. */
  dek: Uint8Array;
  /** The name key. */
  nameKey: Uint8Array;
  /** The vault's random id. */
  vaultId: Uint8Array;
}

/**
 * Creates the vault in an empty database, with a machine slot for a new
 * keyfile (bound to `factors`), and new keys unless `seed` gives them. The pending keyfile is written under the
 * write lock, so two processes creating one vault at once agree on it.
 * Resolves to `null` when another process created the vault first: unlock
 * it instead.
 */
export async function createVault(
  store: Store,
  dir: string,
  { factors, historyLimit }: Pick<VaultRequest, "factors" | "historyLimit">,
  seed?: VaultSeed,
): Promise<Unlocked | null> {
  const keyfile = randomBytes(KEY_BYTES);
  const copySecret = randomBytes(KEY_BYTES);
  const dek = seed?.dek.slice() ?? randomBytes(KEY_BYTES);
  const nameKey = seed?.nameKey.slice() ?? randomBytes(KEY_BYTES);
  const vaultId = seed?.vaultId ?? randomBytes(VAULT_ID_BYTES);
  const copy = copyRecordFor(copySecret, vaultId, {
    dek,
    nameKey,
  });
  const draft = draftSlot("machine", "", factors);
  const kek = await deriveSlotKek(draft, machineSecret(keyfile, factors));
  const row = wrapSlot(draft, kek, copySecret);
  const keys = deriveSubKeys(dek, nameKey);
  nameKey.fill(0);
  const integrity = Accumulator.empty(keys).addSlot(row).addCopy(copy)
    .addHistoryLimit(historyLimit).encode();
  try {
    const created = store.transaction(() => {
      if (!isEmpty(store)) return false;
      writePendingKeyfile(dir, keyfile);
      store.exec(SCHEMA.join(";"));
      writeMeta(store, keyCheck(keys), integrity, historyLimit);
      writeCopyRecord(store, copy);
      insertSlot(store, row);
      return true;
    });
    if (!created) {
      for (const key of [dek, kek, copySecret, ...Object.values(keys)]) {
        key.fill(0);
      }
      return null;
    }
    promoteKeyfile(store, dir, keyfile);
  } finally {
    keyfile.fill(0);
  }
  return {
    format: FORMAT_VERSION,
    dek,
    keys,
    slot: parseSlot(row),
    kek,
    copySecret,
  };
}
