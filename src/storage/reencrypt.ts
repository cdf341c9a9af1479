/**
 * A new epoch's rewrite of every entry: its row, earlier versions,
 * annotation and exposure marks read, resealed under the new sub-keys
 * (`rows.ts` opens and seals every cell) and written back, in the epoch's
 * transaction. A member's removal comes down as data (`expose`): every
 * value resealed is recorded in the entry's exposure marks. `epoch.ts`
 * writes the rest of the epoch; the integrity record is recounted there.
 *
 * @module
 */

import type { SubKeys } from "../crypto.ts";
import { IntegrityError } from "../errors.ts";
import { exposureKey } from "../rules/exposure.ts";
import type { ProgressListener } from "../types.ts";
import type { EntryTable } from "./entry_table.ts";
import { resealEntry, type SealedEntry } from "./rows.ts";
import type { VaultStore } from "./writes.ts";

/** A member's removal, to be recorded on every entry whose values it read. */
export interface Exposure {
  /** The removed member's label. */
  member: string;
  /** When it was removed. */
  removed: number;
}

/** What a rewrite is told besides the new keys. */
export interface Reencryption {
  /** Told how many entries are done. */
  onProgress?: ProgressListener;
  /** A member removed by this epoch, whose reads are marked. */
  expose?: Exposure;
}

function readEntry(table: EntryTable, hash: string): SealedEntry {
  const row = table.row(hash);
  if (row === undefined) {
    throw new IntegrityError("an entry vanished during rotation");
  }
  return {
    row,
    versions: table.history.versions(hash),
    annotation: table.annotations.get(hash)?.sealed,
    exposure: table.exposures.get(hash)?.sealed,
  };
}

/**
 * Reseals every entry, earlier version, annotation and exposure mark under
 * `next`, in the caller's transaction. Every name hash stays: from format
 * 6 a new epoch keeps the name key.
 */
export function reencryptEntries(
  { table, keys }: Pick<VaultStore, "table" | "keys">,
  next: SubKeys,
  { onProgress, expose }: Reencryption,
): void {
  const hashes: string[] = [];
  table.eachHead((hash) => hashes.push(hash));
  const marking = expose && { ...expose, key: exposureKey(keys.index) };
  try {
    for (const [at, hash] of hashes.entries()) {
      onProgress?.(at, hashes.length);
      const entry = readEntry(table, hash);
      const { row, versions, annotation, exposure } = resealEntry(
        keys,
        next,
        entry,
        marking,
      );
      table.put(row);
      for (const version of versions) {
        table.history.remove(hash, version.version);
        table.history.put(version);
      }
      if (annotation !== undefined) {
        table.annotations.put({ name_hash: hash, sealed: annotation });
      }
      if (exposure !== undefined) {
        table.exposures.put({ name_hash: hash, sealed: exposure });
      }
    }
  } finally {
    marking?.key.fill(0);
  }
  onProgress?.(hashes.length, hashes.length);
}
