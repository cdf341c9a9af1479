/**
 * Integrity in two layers. The accumulator is authoritative: each row has a
 * MAC (`macs.ts`), the vault keeps X, the XOR of all of them, with the
 * count of entries and their tag (`accumulator.ts`, its one owner), and
 * every write updates them in its own transaction, so a write costs O(1)
 * and the database is always self-consistent; a full verification
 * recounts them here. The file seal is the fast path: an HMAC of `store.db`
 * after a full checkpoint, kept in `meta.json`, so an open of a vault
 * exactly as it was closed skips the O(N) verification.
 *
 * @module
 */

import { equalBytes, keyCheck, type SubKeys } from "../crypto.ts";
import { ClosedError, IntegrityError } from "../errors.ts";
import { Accumulator } from "./accumulator.ts";
import { entryRows, type EntryTable, entryTable } from "./entry_table.ts";
import { historyRows } from "./history_table.ts";
import {
  checkSchema,
  LAST_SINGLE_KEY_FORMAT,
  LAST_UNSHARED_FORMAT,
  LAST_UNVERSIONED_FORMAT,
} from "./schema.ts";
import { readCopyRecord, readFormat } from "./meta_table.ts";
import { type CoveredRow, destroyedMac } from "./macs.ts";
import { readSlots } from "./slot_table.ts";
import type { Store } from "./store.ts";

/**
 * What another engine's next call says once `destroy()` has emptied and
 * marked the vault.
 */
const DESTROYED_MESSAGE =
  "the vault was destroyed by another engine or process";

/**
 * What another engine's next call says once another engine or process has
 * rotated the data key.
 */
const ROTATED_MESSAGE =
  "the vault's data key was rotated by another engine or process: open it again";

/**
 * What an open, or any call, says of a destroyed marker that the vault's
 * data key did not make.
 */
const PLANTED_MARKER_MESSAGE =
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
 */
export function readAccumulator(
  table: EntryTable,
  keys: SubKeys,
): Accumulator {
  try {
    return Accumulator.read(table.meta, keys);
  } catch (error) {
    checkStillOpen(table, keys);
    throw error;
  }
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

/**
 * Every row and setting the integrity record of a vault of `format`
 * covers, read from its tables as they are: this module alone says which.
 */
function* coveredRows(store: Store, format: number): Generator<CoveredRow> {
  const versioned = format > LAST_UNVERSIONED_FORMAT;
  for (const row of entryRows(store, format)) {
    yield versioned ? { entry: row } : { unversioned: row };
  }
  const table = entryTable(store, format);
  if (versioned) {
    for (const row of historyRows(store)) yield { history: row };
    yield { historyLimit: table.meta.historyLimit() };
    for (const row of table.annotations.all()) yield { annotation: row };
  }
  if (format > LAST_UNSHARED_FORMAT) {
    for (const row of table.exposures.all()) yield { exposure: row };
    yield { copy: readCopyRecord(store) };
  }
  for (const row of table.replica.all()) yield { replica: row };
  if (format > LAST_SINGLE_KEY_FORMAT) {
    for (const row of readSlots(store)) yield { slot: row };
  }
}

/**
 * The accumulator of every row a vault of `format` holds, counted under
 * `keys` from its tables as they are, in the caller's transaction or
 * snapshot: what a full verification holds the integrity record against,
 * and what a new epoch checks before it writes and records after.
 */
export function recount(
  store: Store,
  keys: SubKeys,
  format: number,
): Accumulator {
  const rows = coveredRows(store, format);
  return Accumulator.of(keys, rows);
}

function checkAccumulator(store: Store, keys: SubKeys): void {
  const format = readFormat(store);
  const stored = Accumulator.read(entryTable(store, format).meta, keys);
  const found = recount(store, keys, format);
  if (found.count !== stored.count) {
    throw new IntegrityError(
      `the vault holds ${found.count} entries where its integrity record says ${stored.count}`,
    );
  }
  if (!found.matches(stored)) {
    throw new IntegrityError(
      "an entry, an earlier version, an annotation, an exposure mark, a merge base, a key slot or a setting was changed outside the engine",
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
