/**
 * Rotation's rewrite of every row: each entry, earlier version, annotation
 * and exposure mark opened under the old data key's sub-keys and sealed
 * again under the new ones, in the rotation's transaction. A member's
 * removal comes down as data (`expose`): every value re-encrypted is
 * recorded in the entry's exposure marks. `vault/rotate.ts` orchestrates
 * the rotation (slots, retries, the key switch); the rows are storage's.
 *
 * @module
 */

import { hmacText, type SubKeys } from "../crypto.ts";
import { IntegrityError } from "../errors.ts";
import {
  exposureHash,
  exposureKey,
  type ExposureMark,
} from "../rules/exposure.ts";
import type { ProgressListener } from "../types.ts";
import type { Accumulator } from "./accumulator.ts";
import type { VersionColumns } from "./columns.ts";
import type { AnnotationRow } from "./annotation_table.ts";
import type { EntryTable } from "./entry_table.ts";
import {
  NAME_CELL,
  openAnnotation,
  openCell,
  openExposure,
  openVersion,
  sealAnnotation,
  sealCell,
  sealExposure,
  valueCell,
} from "./rows.ts";
import type { VaultStore } from "./writes.ts";

const decoder = new TextDecoder("utf-8", { fatal: true });

/** A member's removal, to be recorded on every entry whose values it read. */
export interface Exposure {
  /** The removed member's label. */
  member: string;
  /** When it was removed. */
  removed: number;
}

/** What a rotation's rewrite works with. */
export interface Reencryption {
  /** The rows as they were, under the old keys. */
  before: Accumulator;
  /** The rows as they are written, under the new keys. */
  after: Accumulator;
  /** Told how many entries are done. */
  onProgress?: ProgressListener;
  /** A member removed by this rotation, whose reads are marked. */
  expose?: Exposure;
}

/**
 * Re-encrypts every entry, earlier version, annotation and exposure mark
 * under `next`, adding each row as it was to `before` and as written to
 * `after`. Every name is hashed again under `next.index` (the same hash
 * from format 6, whose name key rotations keep).
 */
export function reencryptEntries(
  { table, keys }: Pick<VaultStore, "table" | "keys">,
  next: SubKeys,
  { before, after, onProgress, expose }: Reencryption,
): void {
  const hashes: string[] = [];
  table.eachHead((hash) => hashes.push(hash));
  const hashKey = exposureKey(keys.index);
  for (const [at, hash] of hashes.entries()) {
    onProgress?.(at, hashes.length);
    const row = table.row(hash);
    if (row === undefined) {
      throw new IntegrityError("an entry vanished during rotation");
    }
    before.addEntry(row);
    const name = openCell(keys, NAME_CELL, hash, row.name);
    const newHash = hmacText(next.index, decoder.decode(name));
    const read: string[] = [];
    const sealed = {
      ...reseal(keys, next, row, newHash, read, hashKey),
      name: sealCell(next, NAME_CELL, newHash, name),
    };
    name.fill(0);
    table.remove(hash);
    table.put(sealed);
    after.addEntry(sealed);
    for (const version of table.history.versions(hash)) {
      before.addHistory(version);
      const moved = reseal(keys, next, version, newHash, read, hashKey);
      table.history.remove(hash, version.version);
      table.history.put(moved);
      after.addHistory(moved);
    }
    moveAnnotation(table, keys, next, { hash, newHash, before, after });
    const mark = expose && { ...expose, values: read };
    moveExposure(table, keys, next, { hash, newHash, before, after }, mark);
  }
  hashKey.fill(0);
  onProgress?.(hashes.length, hashes.length);
}

interface Move {
  hash: string;
  newHash: string;
  before: Accumulator;
  after: Accumulator;
}

function moveAnnotation(
  table: EntryTable,
  keys: SubKeys,
  next: SubKeys,
  { hash, newHash, before, after }: Move,
): void {
  const annotation = table.annotations.get(hash);
  if (annotation === undefined) return;
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

function moveExposure(
  table: EntryTable,
  keys: SubKeys,
  next: SubKeys,
  { hash, newHash, before, after }: Move,
  mark: ExposureMark | undefined,
): void {
  const old = table.exposures.get(hash);
  if (old === undefined && mark === undefined) return;
  const marks = old === undefined ? [] : openExposure(keys, hash, old.sealed);
  if (old !== undefined) {
    before.addExposure(old);
    table.exposures.remove(hash);
  }
  if (mark !== undefined) marks.push(mark);
  const moved: AnnotationRow = {
    name_hash: newHash,
    sealed: sealExposure(next, newHash, marks),
  };
  table.exposures.put(moved);
  after.addExposure(moved);
}

/**
 * `row` with its value re-encrypted under `next` for the entry `hash`; the
 * value's keyed hash is added to `read`.
 */
function reseal<T extends VersionColumns>(
  keys: SubKeys,
  next: SubKeys,
  row: T,
  hash: string,
  read: string[],
  hashKey: Uint8Array,
): T {
  const plain = openVersion(keys, row);
  try {
    read.push(exposureHash(hashKey, plain));
    return {
      ...row,
      name_hash: hash,
      value: sealCell(next, valueCell(row), hash, plain),
    };
  } finally {
    plain.fill(0);
  }
}
