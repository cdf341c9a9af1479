/**
 * Rotation's rewrite of every row: each entry, earlier version and
 * annotation opened under the old data key's sub-keys and sealed again
 * under the new ones, in the rotation's transaction. `vault/rotate.ts`
 * orchestrates the rotation (slots, retries, the key switch); the rows are
 * storage's.
 *
 * @module
 */

import { hmacText, type SubKeys } from "../crypto.ts";
import { IntegrityError } from "../errors.ts";
import type { ProgressListener } from "../types.ts";
import type { Accumulator } from "./accumulator.ts";
import type { VersionColumns } from "./columns.ts";
import {
  NAME_CELL,
  openAnnotation,
  openCell,
  openVersion,
  sealAnnotation,
  sealCell,
  valueCell,
} from "./rows.ts";
import type { VaultStore } from "./writes.ts";

const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Re-encrypts every entry, earlier version and annotation under `next`, in
 * the caller's transaction, each under the name hash `next` gives its name,
 * counting each row as it was into `before` and as it is written into
 * `after`; `onProgress` is told how many entries are done.
 */
export function reencryptEntries(
  { table, keys }: Pick<VaultStore, "table" | "keys">,
  next: SubKeys,
  accumulators: { before: Accumulator; after: Accumulator },
  onProgress?: ProgressListener,
): void {
  const { before, after } = accumulators;
  const hashes: string[] = [];
  table.eachHead((hash) => hashes.push(hash));
  for (const [at, hash] of hashes.entries()) {
    onProgress?.(at, hashes.length);
    const row = table.row(hash);
    if (row === undefined) {
      throw new IntegrityError("an entry vanished during rotation");
    }
    before.addEntry(row);
    const name = openCell(keys, NAME_CELL, hash, row.name);
    const newHash = hmacText(next.index, decoder.decode(name));
    const sealed = {
      ...reseal(keys, next, row, newHash),
      name: sealCell(next, NAME_CELL, newHash, name),
    };
    name.fill(0);
    table.remove(hash);
    table.put(sealed);
    after.addEntry(sealed);
    for (const version of table.history.versions(hash)) {
      before.addHistory(version);
      const moved = reseal(keys, next, version, newHash);
      table.history.remove(hash, version.version);
      table.history.put(moved);
      after.addHistory(moved);
    }
    const annotation = table.annotations.get(hash);
    if (annotation !== undefined) {
      before.addAnnotation(annotation);
      const moved = {
        name_hash: newHash,
        sealed: sealAnnotation(
          next,
          newHash,
          openAnnotation(keys, hash, annotation.sealed),
        ),
      };
      table.annotations.remove(hash);
      table.annotations.put(moved);
      after.addAnnotation(moved);
    }
  }
  onProgress?.(hashes.length, hashes.length);
}

/** `row` with its value re-encrypted under `next` for the entry `hash`. */
function reseal<T extends VersionColumns>(
  keys: SubKeys,
  next: SubKeys,
  row: T,
  hash: string,
): T {
  const plain = openVersion(keys, row);
  try {
    return {
      ...row,
      name_hash: hash,
      value: sealCell(next, valueCell(row), hash, plain),
    };
  } finally {
    plain.fill(0);
  }
}
