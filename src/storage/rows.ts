/**
 * Entry rows on disk: the name and each version's value encrypted with
 * AES-256-GCM under a fresh IV, with the row's name hash and the field
 * (and for a value, its version number and kind) as additional data, so
 * that a ciphertext moved to another entry, column or version fails to
 * decrypt rather than returning another secret; and an entry's annotation
 * (note, tags, rotation policy), sealed like its name. Every cell of a row
 * is sealed and opened here.
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
import { type ExposureMark, parseMarks } from "../rules/exposure.ts";
import {
  HEAD_KEY,
  type NameBase,
  parseBase,
  parseSeenHead,
  type SeenHead,
} from "../rules/replica.ts";
import type { AnnotationRow } from "./annotation_table.ts";
import type { EntryRow, VersionColumns } from "./columns.ts";
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

/** When a row was created and last written, in milliseconds since the epoch. */
export interface RowTimes {
  /** Creation time. */
  created: number;
  /** Last write time. */
  updated: number;
}

/** A value to store, in clear, with what the row records of it. */
export interface ClearValue {
  /** The value's bytes (text as UTF-8). */
  bytes: Uint8Array;
  /** Whether the value is text or bytes. */
  kind: ValueKind;
  /** When it stops being valid, in milliseconds since the epoch. */
  expires: number | null;
  /**
   * The version number to write it as (a restore keeping the numbers it
   * had); never at or below the entry's current version. Default: the next.
   */
  version?: number;
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

/** What {@linkcode sealRow} seals: a value written over an entry. */
export interface RowWrite {
  /** The entry's name hash. */
  hash: string;
  /** The clear name, sealed only when there is no `current` row. */
  name: Uint8Array;
  /** The value and what it carries. */
  value: ClearValue;
  /** The entry's row before this write, if it has one. */
  current?: EntryRow;
  /** The time of the write, in milliseconds since the epoch. */
  now: number;
  /** The times a restore gives, instead of `now`. */
  times?: RowTimes;
}

/**
 * The row that makes `value` the next version of the entry `hash`: the
 * encrypted name and creation time of the `current` row are kept when
 * there is one, unless `times` (a restore) says otherwise.
 */
export function sealRow(keys: SubKeys, write: RowWrite): EntryRow {
  const { hash, name, value, current, now, times } = write;
  const version = Math.max(value.version ?? 0, (current?.version ?? 0) + 1);
  const { kind, expires } = value;
  return {
    name_hash: hash,
    name: current?.name ?? sealCell(keys, NAME_CELL, hash, name),
    value: sealCell(keys, { field: "value", version, kind }, hash, value.bytes),
    kind,
    expires,
    version,
    created: times?.created ?? current?.created ?? now,
    updated: times?.updated ?? now,
  };
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
  if (plain === null) {
    const what = cell.field === "value"
      ? `version ${cell.version} of the value`
      : `the ${cell.field === "name" ? "name" : "value"}`;
    throw new DecryptionError(
      `${what} of ${entryRef(hash)} does not decrypt: it was altered or moved`,
    );
  }
  return plain;
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

function sealJson(keys: SubKeys, value: unknown, aad: Uint8Array): Uint8Array {
  const plain = encoder.encode(JSON.stringify(value));
  try {
    return encrypt(keys.value, plain, aad);
  } finally {
    plain.fill(0);
  }
}

function openJson<T>(
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
    () =>
      new DecryptionError(
        `the annotation of ${
          entryRef(hash)
        } does not decrypt: it was altered or moved`,
      ),
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
    () =>
      new DecryptionError(
        `the exposure marks of ${
          entryRef(hash)
        } do not decrypt: they were altered or moved`,
      ),
  );
}

function replicaAad(hash: string): Uint8Array {
  return encoder.encode(`replica\0${hash}`);
}

/**
 * A merge base, or under {@linkcode HEAD_KEY} the remote head last seen,
 * sealed for the name hash `hash` (format 7).
 */
export function sealReplica(
  keys: SubKeys,
  hash: string,
  record: NameBase | SeenHead,
): Uint8Array {
  return sealJson(keys, record, replicaAad(hash));
}

/**
 * The merge base `sealed` holds for the name hash `hash`; one that does
 * not decrypt is a {@linkcode DecryptionError}.
 */
export function openBase(
  keys: SubKeys,
  hash: string,
  sealed: Uint8Array,
): NameBase {
  return openJson(
    keys,
    sealed,
    replicaAad(hash),
    parseBase,
    () =>
      new DecryptionError(
        `the merge base of ${
          entryRef(hash)
        } does not decrypt: it was altered or moved`,
      ),
  );
}

/** The remote head last seen, which `sealed` holds. */
export function openSeenHead(keys: SubKeys, sealed: Uint8Array): SeenHead {
  return openJson(
    keys,
    sealed,
    replicaAad(HEAD_KEY),
    parseSeenHead,
    () =>
      new DecryptionError(
        "the remote head this copy last saw does not decrypt: it was altered",
      ),
  );
}

/** The replica row `row`, opened under `keys` and sealed under `next`. */
export function resealReplica(
  keys: SubKeys,
  next: SubKeys,
  row: AnnotationRow,
): AnnotationRow {
  const hash = row.name_hash;
  const record = hash === HEAD_KEY
    ? openSeenHead(keys, row.sealed)
    : openBase(keys, hash, row.sealed);
  return { name_hash: hash, sealed: sealReplica(next, hash, record) };
}
