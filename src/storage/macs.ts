/**
 * The MACs the integrity accumulator XORs together: one per entry row, per
 * earlier version, per key slot and per vault setting, each over canonical
 * bytes and each kind under its own domain, so that no two rows of any
 * kind share an encoding.
 *
 * @module
 */

import { encodeBase64 } from "../base64.ts";
import { hmac, type SubKeys } from "../crypto.ts";
import { encodeHistoryLimit } from "./meta_table.ts";
import {
  COPY_RECIPIENT_KEY,
  DESTROYED_KEY,
  HISTORY_LIMIT_KEY,
  type SlotRow,
  VAULT_ID_KEY,
} from "./schema.ts";
import type { AnnotationRow } from "./annotation_table.ts";
import type { EntryRow, HistoryRow, UnversionedRow } from "./columns.ts";

const encoder = new TextEncoder();
const HISTORY_DOMAIN = "@scope/secrets history\0";
const SETTING_DOMAIN = "@scope/secrets setting\0";
const ANNOTATION_DOMAIN = "@scope/secrets annotation\0";
const EXPOSURE_DOMAIN = "@scope/secrets exposure\0";
const REPLICA_DOMAIN = "@scope/secrets replica\0";

/**
 * The canonical bytes of a row: each variable field length-prefixed, then
 * each number as a float64, so no two rows of one shape share an encoding.
 */
export function encodeRow(
  fields: readonly Uint8Array[],
  numbers: readonly number[],
): Uint8Array {
  const size = fields.reduce((sum, field) => sum + 4 + field.length, 0) +
    8 * numbers.length;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  let at = 0;
  for (const field of fields) {
    view.setUint32(at, field.length);
    bytes.set(field, at + 4);
    at += 4 + field.length;
  }
  for (const number of numbers) {
    view.setFloat64(at, number);
    at += 8;
  }
  return bytes;
}

// An expiry as two numbers: whether there is one, and when.
function expiryNumbers(expires: number | null): number[] {
  return expires === null ? [0, 0] : [1, expires];
}

/**
 * The MAC of one entry row over its canonical bytes.
 */
export function rowMac(key: Uint8Array, row: EntryRow): Uint8Array {
  const fields = [row.name_hash, row.kind].map((text) => encoder.encode(text));
  return hmac(
    key,
    encodeRow([fields[0], row.name, row.value, fields[1]], [
      row.version,
      row.created,
      row.updated,
      ...expiryNumbers(row.expires),
    ]),
  );
}

/**
 * The MAC of one earlier version, domain-separated from entry rows (whose
 * encoding starts with a length, never with this prefix).
 */
export function historyMac(key: Uint8Array, row: HistoryRow): Uint8Array {
  const prefix = encoder.encode(HISTORY_DOMAIN);
  const body = encodeRow(
    [encoder.encode(row.name_hash), row.value, encoder.encode(row.kind)],
    [row.version, row.updated, ...expiryNumbers(row.expires)],
  );
  const bytes = new Uint8Array(prefix.length + body.length);
  bytes.set(prefix);
  bytes.set(body, prefix.length);
  return hmac(key, bytes);
}

/**
 * The MAC of one annotation (format 5), domain-separated like a version's:
 * it binds the sealed annotation to its entry, so one moved to another
 * entry, dropped or replayed changes the accumulator.
 */
export function annotationMac(key: Uint8Array, row: AnnotationRow): Uint8Array {
  return sealedRowMac(key, ANNOTATION_DOMAIN, row);
}

/**
 * The MAC of an exposure mark row (format 6): domain-separated from an
 * annotation, whose shape it shares.
 */
export function exposureMac(key: Uint8Array, row: AnnotationRow): Uint8Array {
  return sealedRowMac(key, EXPOSURE_DOMAIN, row);
}

/**
 * The MAC of a merge base row (format 7): domain-separated from an
 * annotation, whose shape it shares.
 */
export function replicaMac(key: Uint8Array, row: AnnotationRow): Uint8Array {
  return sealedRowMac(key, REPLICA_DOMAIN, row);
}

function sealedRowMac(
  key: Uint8Array,
  domain: string,
  row: AnnotationRow,
): Uint8Array {
  const prefix = encoder.encode(domain);
  const body = encodeRow([encoder.encode(row.name_hash), row.sealed], []);
  const bytes = new Uint8Array(prefix.length + body.length);
  bytes.set(prefix);
  bytes.set(body, prefix.length);
  return hmac(key, bytes);
}

/**
 * The MAC of an entry row of formats 1 to 3, which had no kind, expiry or
 * version: what their accumulators hold.
 */
export function unversionedRowMac(
  key: Uint8Array,
  row: UnversionedRow,
): Uint8Array {
  return hmac(
    key,
    encodeRow([encoder.encode(row.name_hash), row.name, row.value], [
      row.created,
      row.updated,
    ]),
  );
}

/**
 * The MAC of one vault setting kept in `meta`, such as the history limit:
 * raw SQL that changes it breaks the accumulator like a changed row.
 */
export function settingMac(
  key: Uint8Array,
  name: string,
  value: Uint8Array,
): Uint8Array {
  const prefix = encoder.encode(`${SETTING_DOMAIN}${name}\0`);
  const bytes = new Uint8Array(prefix.length + value.length);
  bytes.set(prefix);
  bytes.set(value, prefix.length);
  return hmac(key, bytes);
}

/**
 * The MAC of one key slot over every column, domain-separated from entry
 * rows (whose encoding starts with a length, never with this prefix).
 */
export function slotMac(key: Uint8Array, slot: SlotRow): Uint8Array {
  const fields = [
    slot.id,
    slot.kind,
    slot.label,
    slot.created,
    slot.kdf,
    encodeBase64(slot.salt),
    slot.factors,
    encodeBase64(slot.wrapped),
  ];
  return hmac(
    key,
    encoder.encode(`@scope/secrets slot\0${JSON.stringify(fields)}`),
  );
}

/**
 * The setting MAC of a history limit, as the accumulator holds it.
 */
export function historyLimitMac(keys: SubKeys, limit: number): Uint8Array {
  return settingMac(keys.row, HISTORY_LIMIT_KEY, encodeHistoryLimit(limit));
}

/**
 * The MAC of a copy's settings (format 6): the vault id and the copy's
 * public key, which a rotation wraps the new data key to, so one swapped
 * for an attacker's is caught. The wrap itself opens or does not.
 */
export function copyMac(
  keys: SubKeys,
  record: { vaultId: Uint8Array; recipient: Uint8Array },
): Uint8Array {
  const mac = settingMac(keys.row, VAULT_ID_KEY, record.vaultId);
  xorInto(mac, settingMac(keys.row, COPY_RECIPIENT_KEY, record.recipient));
  return mac;
}

/**
 * The destroyed marker: what `destroy()` writes in the transaction that
 * empties the vault. Only a holder of the data key can make it, so a
 * marker planted with raw SQL never leads an open to delete a vault.
 */
export function destroyedMac(keys: SubKeys): Uint8Array {
  return settingMac(keys.row, DESTROYED_KEY, new Uint8Array());
}

/**
 * A row or setting the integrity record covers, named by what it is, so
 * that one function ({@linkcode coveredMac}) says which MAC each kind has.
 */
export type CoveredRow =
  | { entry: EntryRow }
  | { unversioned: UnversionedRow }
  | { history: HistoryRow }
  | { annotation: AnnotationRow }
  | { exposure: AnnotationRow }
  | { replica: AnnotationRow }
  | { slot: SlotRow }
  | { copy: { vaultId: Uint8Array; recipient: Uint8Array } }
  | { historyLimit: number };

/** The MAC the accumulator XORs in for `row`, under `keys`. */
export function coveredMac(keys: SubKeys, row: CoveredRow): Uint8Array {
  if ("entry" in row) return rowMac(keys.row, row.entry);
  if ("unversioned" in row) return unversionedRowMac(keys.row, row.unversioned);
  if ("history" in row) return historyMac(keys.row, row.history);
  if ("annotation" in row) return annotationMac(keys.row, row.annotation);
  if ("exposure" in row) return exposureMac(keys.row, row.exposure);
  if ("replica" in row) return replicaMac(keys.row, row.replica);
  if ("slot" in row) return slotMac(keys.row, row.slot);
  if ("copy" in row) return copyMac(keys, row.copy);
  return historyLimitMac(keys, row.historyLimit);
}

/**
 * XORs `mac` into `x` in place: adding a row's MAC and removing it are the
 * same step.
 */
export function xorInto(x: Uint8Array, mac: Uint8Array): void {
  for (let i = 0; i < x.length; i++) x[i] ^= mac[i];
}
