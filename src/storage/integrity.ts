/**
 * Integrity in two layers. The accumulator is authoritative: each row has a
 * MAC (`macs.ts`), the vault keeps X, the XOR of all of them (entries,
 * earlier versions, key slots and settings alike), with the count of
 * entries and
 * tag = HMAC(k_tag, X || count), and every write updates them in its own
 * transaction, so a write costs O(1) and the database is always
 * self-consistent. The file seal is the fast path: an HMAC of `store.db`
 * after a full checkpoint, kept in `meta.json`, so an open of a vault
 * exactly as it was closed skips the O(N) verification.
 *
 * @module
 */

import {
  equalBytes,
  hmac,
  KEY_BYTES,
  keyCheck,
  type SubKeys,
} from "../crypto.ts";
import { ClosedError, IntegrityError } from "../errors.ts";
import { type EntryTable, entryTable, scanEntries } from "./entry_table.ts";
import { scanHistory } from "./history_table.ts";
import {
  checkSchema,
  INTEGRITY_KEY,
  LAST_SINGLE_KEY_FORMAT,
  LAST_UNVERSIONED_FORMAT,
  readFormat,
  SELECT_META,
} from "./schema.ts";
import {
  annotationMac,
  destroyedMac,
  historyLimitMac,
  historyMac,
  rowMac,
  slotMac,
  unversionedRowMac,
  xorInto,
} from "./macs.ts";
import { readSlots } from "./slot_table.ts";
import type { Store } from "./store.ts";

/** The running integrity state: X and the row count. */
export interface Accumulator {
  /** XOR of every row's MAC. */
  x: Uint8Array;
  /** How many rows there are. */
  count: number;
}

const COUNT_BYTES = 8;
const RECORD_BYTES = KEY_BYTES + COUNT_BYTES + KEY_BYTES;

/**
 * The integrity record for `acc`: X, the count, and their tag.
 *
 * @example Calling encodeIntegrity
 * ```ts
 * import { decodeIntegrity, encodeIntegrity } from "./integrity.ts";
 * import assert from "node:assert/strict";
 * const key = new Uint8Array(32);
 * const record = encodeIntegrity(key, { x: new Uint8Array(32), count: 3 });
 * assert.equal(decodeIntegrity(key, record).count, 3);
 * ```
 */
export function encodeIntegrity(
  tagKey: Uint8Array,
  acc: Accumulator,
): Uint8Array {
  const record = new Uint8Array(RECORD_BYTES);
  record.set(acc.x);
  new DataView(record.buffer).setBigUint64(KEY_BYTES, BigInt(acc.count));
  record.set(
    hmac(tagKey, record.subarray(0, KEY_BYTES + COUNT_BYTES)),
    KEY_BYTES + COUNT_BYTES,
  );
  return record;
}

/**
 * Checks an integrity record's tag and returns its accumulator; a record
 * that is malformed or fails its tag is {@linkcode IntegrityError}.
 */
export function decodeIntegrity(
  tagKey: Uint8Array,
  record: unknown,
): Accumulator {
  if (!(record instanceof Uint8Array) || record.length !== RECORD_BYTES) {
    throw new IntegrityError("the integrity record is missing or malformed");
  }
  const body = record.subarray(0, KEY_BYTES + COUNT_BYTES);
  if (
    !equalBytes(hmac(tagKey, body), record.subarray(KEY_BYTES + COUNT_BYTES))
  ) {
    throw new IntegrityError("the integrity tag does not verify");
  }
  const count = new DataView(record.buffer, record.byteOffset).getBigUint64(
    KEY_BYTES,
  );
  return { x: record.slice(0, KEY_BYTES), count: Number(count) };
}

/**
 * What another engine's next call says once `destroy()` has emptied and
 * marked the vault.
 */
export const DESTROYED_MESSAGE =
  "the vault was destroyed by another engine or process";

/**
 * What another engine's next call says once another engine or process has
 * rotated the data key.
 */
export const ROTATED_MESSAGE =
  "the vault's data key was rotated by another engine or process: open it again";

/**
 * What an open, or any call, says of a destroyed marker that the vault's
 * data key did not make.
 */
export const PLANTED_MARKER_MESSAGE =
  "store.db carries a destroyed marker that this vault's key did not make: it was added outside the engine, and nothing was deleted";

/**
 * Checks a destroyed marker against the data key: `true` when `destroy()`
 * made it; a marker it did not make is {@linkcode IntegrityError}.
 */
export function verifyDestroyedMarker(
  marker: Uint8Array,
  keys: SubKeys,
): true {
  if (!equalBytes(marker, destroyedMac(keys))) {
    throw new IntegrityError(PLANTED_MARKER_MESSAGE);
  }
  return true;
}

/**
 * Throws {@linkcode ClosedError} when the vault was destroyed, or its data
 * key rotated, by another engine or process: what a missing row or a
 * failing tag means then. A destroyed marker the data key did not make is
 * {@linkcode IntegrityError}.
 */
export function checkStillOpen(table: EntryTable, keys: SubKeys): void {
  const { keyCheck: stored, marker } = table.meta.closingState();
  if (stored !== null && !equalBytes(stored, keyCheck(keys))) {
    throw new ClosedError(ROTATED_MESSAGE);
  }
  if (marker !== null && verifyDestroyedMarker(marker, keys)) {
    throw new ClosedError(DESTROYED_MESSAGE);
  }
}

/**
 * Reads and checks the integrity record, in the caller's transaction. A
 * vault destroyed, or rotated, by another engine is {@linkcode ClosedError}.
 *
 * @example Calling readAccumulator
 * ```ts
 * import { readAccumulator } from "./integrity.ts";
 * import { deriveSubKeys } from "../crypto.ts";
 * import { entryTable } from "./entry_table.ts";
 * import { SCHEMA } from "./schema.ts";
 * import { openStore } from "./store.ts";
 * import assert from "node:assert/strict";
 * const dir = Deno.makeTempDirSync();
 * const path = `${dir}/store.db`;
 * Deno.writeFileSync(path, new Uint8Array(), { mode: 0o600 });
 * const store = openStore(path, { busyTimeoutMs: 100 });
 * store.exec(SCHEMA.join(";"));
 * try {
 *   readAccumulator(entryTable(store), deriveSubKeys(new Uint8Array(32)));
 * } catch (error) {
 *   assert.ok(error instanceof Error && error.name === "IntegrityError");
 * }
 * store.close();
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export function readAccumulator(
  table: EntryTable,
  keys: SubKeys,
): Accumulator {
  try {
    return decodeIntegrity(keys.tag, table.meta.integrity());
  } catch (error) {
    checkStillOpen(table, keys);
    throw error;
  }
}

/**
 * Reads and checks the integrity record straight from `meta`, for code
 * that runs before the entries table has its current shape (an upgrade).
 */
export function readStoredAccumulator(
  store: Store,
  keys: SubKeys,
): Accumulator {
  return decodeIntegrity(
    keys.tag,
    store.prepare(SELECT_META).get(INTEGRITY_KEY)?.value,
  );
}

/** Writes the integrity record for `acc` straight into `meta`. */
export function storeIntegrity(
  store: Store,
  keys: SubKeys,
  acc: Accumulator,
): void {
  store.prepare("UPDATE meta SET value = ? WHERE key = ?").run(
    encodeIntegrity(keys.tag, acc),
    INTEGRITY_KEY,
  );
}

/**
 * The checks of a full verification, each throwing
 * {@linkcode IntegrityError}: SQLite's own structure check, the schema, and
 * X and the count recomputed from every row against the integrity record.
 * {@linkcode verifyVault} runs them all; a recovery survey runs each.
 */
export const VERIFICATIONS: readonly ((store: Store, keys: SubKeys) => void)[] =
  [
    (store) => {
      const check = store.prepare("PRAGMA quick_check").get();
      if (check?.quick_check !== "ok") {
        throw new IntegrityError(
          "store.db is damaged: SQLite's structure check failed",
        );
      }
    },
    (store) => checkSchema(store, readFormat(store)),
    checkAccumulator,
  ];

function checkAccumulator(store: Store, keys: SubKeys): void {
  const stored = readStoredAccumulator(store, keys);
  const format = readFormat(store);
  const versioned = format > LAST_UNVERSIONED_FORMAT;
  const x = new Uint8Array(KEY_BYTES);
  let count = 0;
  scanEntries(store, (row) => {
    const mac = versioned ? rowMac : unversionedRowMac;
    xorInto(x, mac(keys.row, row));
    count++;
  }, format);
  if (versioned) {
    scanHistory(store, (row) => xorInto(x, historyMac(keys.row, row)));
    const table = entryTable(store, format);
    xorInto(x, historyLimitMac(keys, table.meta.historyLimit()));
    for (const row of table.annotations.all()) {
      xorInto(x, annotationMac(keys.row, row));
    }
  }
  if (format > LAST_SINGLE_KEY_FORMAT) {
    for (const slot of readSlots(store)) xorInto(x, slotMac(keys.row, slot));
  }
  if (count !== stored.count) {
    throw new IntegrityError(
      `the vault holds ${count} entries where its integrity record says ${stored.count}`,
    );
  }
  if (!equalBytes(x, stored.x)) {
    throw new IntegrityError(
      "an entry, an earlier version, an annotation, a key slot or a setting was changed outside the engine",
    );
  }
}

/**
 * Verifies the whole vault in one snapshot: every check of
 * {@linkcode VERIFICATIONS}. O(N); the open path runs it only when the file
 * seal does not match. Throws {@linkcode IntegrityError}.
 */
export function verifyVault(store: Store, keys: SubKeys): void {
  store.snapshot(() => {
    for (const verify of VERIFICATIONS) verify(store, keys);
  });
}
