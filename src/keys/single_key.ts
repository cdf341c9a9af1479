/**
 * Formats 1 and 2 kept one wrapped data key in `meta`, under a key derived
 * with scrypt from the keyfile and the binding factors. Such a vault reads
 * as having one machine slot, and its first writable open upgrades it to
 * format 3 in one transaction: the wrapped key becomes that machine slot
 * (keeping its scrypt parameters, salt and factors), rewrapped with the
 * slot's additional data, and the key check and the slot's MAC are added.
 *
 * @module
 */

import { encodeBase64 } from "../base64.ts";
import { deriveSubKeys, keyCheck } from "../crypto.ts";
import { KeyMismatchError } from "../errors.ts";
import { Accumulator } from "../storage/accumulator.ts";
import {
  deleteMetaValue,
  insertMetaValue,
  metaTable,
  readFormat,
  writeFormat,
} from "../storage/meta_table.ts";
import {
  KEY_CHECK_KEY,
  LAST_SINGLE_KEY_FORMAT,
  LAST_UNVERSIONED_FORMAT,
  SINGLE_KEY_FIELDS,
  type SingleKeyRecord,
  SLOTS_TABLE,
} from "../storage/schema.ts";
import { insertSlot, readSlots } from "../storage/slot_table.ts";
import type { Store } from "../storage/store.ts";
import { draftSlot, parseSlot, type Slot, wrapSlot } from "./slot.ts";

const encoder = new TextEncoder();
const FORMAT_1 = 1;

/** The additional data the single wrapped key of format 1 or 2 binds. */
function singleKeyAad(record: SingleKeyRecord): Uint8Array {
  if (record.format === FORMAT_1) {
    return encoder.encode(`@scope/secrets data key v${FORMAT_1}`);
  }
  const { N, r, p } = record.kdf;
  const salt = encodeBase64(record.salt);
  const fields = [record.format, "scrypt", N, r, p, salt, record.factors];
  return encoder.encode(`@scope/secrets data key\0${JSON.stringify(fields)}`);
}

/**
 * The machine slot a format 1 or 2 vault reads as. Its id is `legacy`
 * until the upgrade gives it one of its own.
 */
export function singleKeySlot(record: SingleKeyRecord): Slot {
  const row = {
    id: "legacy",
    kind: "machine",
    label: "",
    created: 0,
    kdf: JSON.stringify({ name: "scrypt", ...record.kdf }),
    salt: record.salt,
    factors: JSON.stringify(record.factors),
    wrapped: record.wrappedKey,
  };
  return parseSlot(row, singleKeyAad(record));
}

/**
 * Upgrades a format 1 or 2 vault to format 3 (key slots), given its data
 * key and the key-encryption key that unwrapped it, in the caller's write
 * transaction (which goes on to format 4, so an upgrade is whole or
 * nothing). Returns the machine slot the vault now has (another process's,
 * if it upgraded first).
 */
export function upgradeToSlots(
  store: Store,
  legacy: Slot,
  kek: Uint8Array,
  dek: Uint8Array,
): Slot {
  const keys = deriveSubKeys(dek);
  try {
    {
      if (readFormat(store) > LAST_SINGLE_KEY_FORMAT) {
        const upgraded = readSlots(store).map((row) => parseSlot(row));
        const machine = upgraded.find((slot) => slot.kind === "machine");
        if (machine === undefined) {
          throw new KeyMismatchError(
            "another process upgraded the vault and removed its machine slot meanwhile",
          );
        }
        return machine;
      }
      const meta = metaTable(store, false);
      const acc = Accumulator.read(meta, keys);
      store.exec(SLOTS_TABLE);
      const draft = draftSlot("machine", "", legacy.factors);
      const slot = parseSlot({
        ...draft.row,
        kdf: legacy.row.kdf,
        salt: legacy.row.salt,
      });
      const row = wrapSlot(slot, kek, dek);
      insertSlot(store, row);
      acc.addSlot(row);
      for (const key of SINGLE_KEY_FIELDS) deleteMetaValue(store, key);
      insertMetaValue(store, KEY_CHECK_KEY, keyCheck(keys));
      acc.write(meta);
      writeFormat(store, LAST_UNVERSIONED_FORMAT);
      return parseSlot(row);
    }
  } finally {
    for (const key of Object.values(keys)) key.fill(0);
  }
}
