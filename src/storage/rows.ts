/**
 * Entry rows on disk: the name and each version's value encrypted with
 * AES-256-GCM under a fresh IV, with the row's name hash and the field
 * (and for a value, its version number and kind) as additional data, so
 * that a ciphertext moved to another entry, column or version fails to
 * decrypt rather than returning another secret; and an entry's annotation
 * (note, tags, rotation policy) and exposure marks, sealed like its
 * name. Every cell of a row is sealed, opened and, at a new epoch of the
 * data key, resealed here (`row_write.ts` assembles the row a write makes;
 * `replica_rows.ts` seals the merge bases the same way).
 *
 * @module
 */

import { decrypt, encrypt, type SubKeys } from "../crypto.ts";
import {
  DecryptionError,
  IntegrityError,
  SecretsEngineError,
} from "../errors.ts";
import { parseAnnotation } from "../rules/annotation.ts";
import {
  exposureHash,
  type ExposureMark,
  parseMarks,
} from "../rules/exposure.ts";
import type { EntryRow, HistoryRow, VersionColumns } from "./columns.ts";
import type { Annotation, ValueKind } from "../types.ts";

const HASH_PREFIX = 8;
const encoder = new TextEncoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Where a ciphertext belongs: its entry's name, one version's value, or
 * the single value an entry of formats 1 to 3 had.
 */
export type Cell =
  | { field: "name" }
  | { field: "value"; version: number; kind: ValueKind }
  | { field: "unversioned" };

/** The name cell of every entry. */
export const NAME_CELL: Cell = { field: "name" };

/** The value cell of an entry of formats 1 to 3. */
export const UNVERSIONED_CELL: Cell = { field: "unversioned" };

/**
 * The version number an entry of formats 1 to 3 reads as: its value was
 * sealed with no version or kind ({@linkcode UNVERSIONED_CELL}). Format 4
 * numbers versions from 1, so no row it writes has it.
 */
export const UNVERSIONED_VERSION = 0;

function cellAad(cell: Cell, hash: string): Uint8Array {
  switch (cell.field) {
    case "name":
      return encoder.encode(`name\0${hash}`);
    case "unversioned":
      return encoder.encode(`value\0${hash}`);
    case "value":
      return encoder.encode(
        `value\0${hash}\0${cell.version}\0${cell.kind}`,
      );
  }
}

/**
 * How errors and reports name an entry: a short prefix of its name hash,
 * never the name.
 */
export function entryRef(hash: string): string {
  return `entry ${hash.slice(0, HASH_PREFIX)}`;
}

/**
 * Encrypts `plain` for the cell `cell` of the entry `hash` under a fresh
 * IV.
 */
export function sealCell(
  keys: SubKeys,
  cell: Cell,
  hash: string,
  plain: Uint8Array,
): Uint8Array {
  return encrypt(keys.value, plain, cellAad(cell, hash));
}

/**
 * Decrypts the cell `cell` of the entry `hash`; one that does not
 * authenticate (or is not a byte string at all) is
 * {@linkcode DecryptionError}.
 */
export function openCell(
  keys: SubKeys,
  cell: Cell,
  hash: string,
  sealed: unknown,
): Uint8Array {
  const plain = sealed instanceof Uint8Array
    ? decrypt(keys.value, sealed, cellAad(cell, hash))
    : null;
  if (plain === null) throw brokenCell(cell, hash);
  return plain;
}

/** The error of the cell `cell` of the entry `hash` that does not decrypt. */
function brokenCell(cell: Cell, hash: string): DecryptionError {
  const what = cell.field === "value"
    ? `version ${cell.version} of the value`
    : `the ${cell.field === "name" ? "name" : "value"}`;
  return new DecryptionError(
    `${what} of ${entryRef(hash)} does not decrypt: it was altered or moved`,
  );
}

/**
 * Decrypts a stored version (current or earlier) of the entry `hash`.
 */
export function openVersion(keys: SubKeys, row: VersionColumns): Uint8Array {
  return openCell(keys, valueCell(row), row.name_hash, row.value);
}

/**
 * The cell a version's value is sealed for; a kind this version does not
 * know is {@linkcode IntegrityError}.
 */
export function valueCell(row: VersionColumns): Cell {
  const { version, kind } = row;
  if (version === UNVERSIONED_VERSION) return UNVERSIONED_CELL;
  if (kind !== "text" && kind !== "bytes") {
    throw new IntegrityError(
      `${entryRef(row.name_hash)} has an unknown kind: it was altered`,
    );
  }
  return { field: "value", version, kind };
}

/** The additional data that binds an annotation to its entry. */
function annotationAad(hash: string): Uint8Array {
  return encoder.encode(`annotation\0${hash}`);
}

function exposureAad(hash: string): Uint8Array {
  return encoder.encode(`exposure\0${hash}`);
}

/** `value` as JSON, sealed under the value key with `aad`. */
export function sealJson(
  keys: SubKeys,
  value: unknown,
  aad: Uint8Array,
): Uint8Array {
  const plain = encoder.encode(JSON.stringify(value));
  try {
    return encrypt(keys.value, plain, aad);
  } finally {
    plain.fill(0);
  }
}

/**
 * The JSON value `sealed` holds, as `read` takes it; one that does not
 * decrypt or is not what `read` takes is `broken()`.
 */
export function openJson<T>(
  keys: SubKeys,
  sealed: Uint8Array,
  aad: Uint8Array,
  read: (value: unknown) => T | null,
  broken: () => DecryptionError,
): T {
  const plain = decrypt(keys.value, sealed, aad);
  if (plain === null) throw broken();
  try {
    const value = read(JSON.parse(strictDecoder.decode(plain)));
    if (value === null) throw broken();
    return value;
  } catch (error) {
    if (error instanceof SecretsEngineError) throw error;
    throw broken();
  } finally {
    plain.fill(0);
  }
}

/**
 * `annotation` sealed for the entry `hash`.
 */
export function sealAnnotation(
  keys: SubKeys,
  hash: string,
  annotation: Annotation,
): Uint8Array {
  const { note, tags, rotateEvery } = annotation;
  return sealJson(keys, { note, tags, rotateEvery }, annotationAad(hash));
}

/**
 * The annotation `sealed` holds for the entry `hash`; one that does not
 * decrypt, or is not an annotation, is a {@linkcode DecryptionError}.
 */
export function openAnnotation(
  keys: SubKeys,
  hash: string,
  sealed: Uint8Array,
): Annotation {
  return openJson(
    keys,
    sealed,
    annotationAad(hash),
    parseAnnotation,
    () => brokenAnnotation(hash),
  );
}

function brokenAnnotation(hash: string): DecryptionError {
  return new DecryptionError(
    `the annotation of ${
      entryRef(hash)
    } does not decrypt: it was altered or moved`,
  );
}

/** The exposure marks of the entry `hash`, sealed (format 6). */
export function sealExposure(
  keys: SubKeys,
  hash: string,
  marks: readonly ExposureMark[],
): Uint8Array {
  return sealJson(keys, marks, exposureAad(hash));
}

/**
 * The exposure marks `sealed` holds for the entry `hash`; marks that do
 * not decrypt are a {@linkcode DecryptionError}.
 */
export function openExposure(
  keys: SubKeys,
  hash: string,
  sealed: Uint8Array,
): ExposureMark[] {
  return openJson(
    keys,
    sealed,
    exposureAad(hash),
    parseMarks,
    () => brokenExposure(hash),
  );
}

function brokenExposure(hash: string): DecryptionError {
  return new DecryptionError(
    `the exposure marks of ${
      entryRef(hash)
    } do not decrypt: they were altered or moved`,
  );
}

/** An entry's sealed rows, which a new epoch of the data key reseals. */
export interface SealedEntry {
  /** Its row. */
  row: EntryRow;
  /** Its earlier versions. */
  versions: HistoryRow[];
  /** Its sealed annotation, if it has one. */
  annotation?: Uint8Array;
  /** Its sealed exposure marks, if it has any. */
  exposure?: Uint8Array;
}

/**
 * A member's removal, marked on each entry with the keyed hash of every
 * value the member could read.
 */
export interface Marking {
  /** The removed member's label. */
  member: string;
  /** When it was removed, milliseconds since the epoch. */
  removed: number;
  /** The exposure key the hashes are made under. */
  key: Uint8Array;
}

/** Where a reseal puts the keyed hash of each value it passes. */
interface Reads {
  key: Uint8Array;
  values: string[];
}

/**
 * `sealed` opened under `keys` and sealed under `next` with the same
 * `aad`; `reads` gets the keyed hash of the clear bytes.
 */
function reseal(
  keys: SubKeys,
  next: SubKeys,
  sealed: Uint8Array,
  aad: Uint8Array,
  broken: () => DecryptionError,
  reads?: Reads,
): Uint8Array {
  const plain = decrypt(keys.value, sealed, aad);
  if (plain === null) throw broken();
  try {
    reads?.values.push(exposureHash(reads.key, plain));
    return encrypt(next.value, plain, aad);
  } finally {
    plain.fill(0);
  }
}

function resealVersion<T extends VersionColumns>(
  keys: SubKeys,
  next: SubKeys,
  row: T,
  reads: Reads | undefined,
): T {
  const cell = valueCell(row);
  const hash = row.name_hash;
  const aad = cellAad(cell, hash);
  const broken = () => brokenCell(cell, hash);
  return { ...row, value: reseal(keys, next, row.value, aad, broken, reads) };
}

/**
 * `entry` with every cell opened under `keys` and sealed again under
 * `next` with the same additional data: a new epoch keeps the name key,
 * and so every name hash. With `marking`, a mark holding the keyed hash of
 * every value, current and earlier, joins the entry's exposure marks.
 */
export function resealEntry(
  keys: SubKeys,
  next: SubKeys,
  entry: SealedEntry,
  marking?: Marking,
): SealedEntry {
  const { row, annotation, exposure } = entry;
  const hash = row.name_hash;
  const reads = marking && { key: marking.key, values: [] };
  const nameAad = cellAad(NAME_CELL, hash);
  const moved: SealedEntry = {
    row: {
      ...resealVersion(keys, next, row, reads),
      name: reseal(
        keys,
        next,
        row.name,
        nameAad,
        () => brokenCell(NAME_CELL, hash),
      ),
    },
    versions: entry.versions.map((version) =>
      resealVersion(keys, next, version, reads)
    ),
  };
  if (annotation !== undefined) {
    const broken = () => brokenAnnotation(hash);
    const aad = annotationAad(hash);
    moved.annotation = reseal(keys, next, annotation, aad, broken);
  }
  if (reads === undefined || marking === undefined) {
    if (exposure === undefined) return moved;
    const broken = () => brokenExposure(hash);
    moved.exposure = reseal(keys, next, exposure, exposureAad(hash), broken);
    return moved;
  }
  const marks = exposure === undefined
    ? []
    : openExposure(keys, hash, exposure);
  const { member, removed } = marking;
  marks.push({ member, removed, values: reads.values });
  moved.exposure = sealExposure(next, hash, marks);
  return moved;
}
