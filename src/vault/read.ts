/**
 * Reading an open vault: values with what they carry (kind, expiry,
 * version), earlier versions, names and counts. Each read decrypts only
 * what it returns, and an expired entry reads as absent. A read that finds
 * nothing checks that the vault was not destroyed or rotated meanwhile,
 * which would make the miss a silent one.
 *
 * @module
 */

import { KeyNotFoundError, ValidationError } from "../errors.ts";
import { isLive } from "../rules/expiry.ts";
import { compileGlob } from "../rules/glob.ts";
import { validatePattern } from "../rules/validate.ts";
import { allAnnotations, readAnnotation } from "./annotations.ts";
import type { NamedEntry } from "./names.ts";
import type { OpenedVault } from "./opened.ts";
import type { EntryTable } from "../storage/entry_table.ts";
import { checkStillOpen } from "../storage/integrity.ts";
import { entryRef, openVersion } from "../storage/rows.ts";
import type { EntryRow, VersionColumns } from "../storage/columns.ts";
import type { Annotation, ValueKind } from "../types.ts";

/** What {@linkcode SecretsEngine.history} lists of one version. */
export interface VersionInfo {
  /** The version number, from 1. */
  version: number;
  /** Whether the value is text or bytes. */
  kind: ValueKind;
  /** When this version was written. */
  updated: Date;
  /** When this version expires, if it does. */
  expiresAt: Date | null;
}

/** One version of a secret with its value. */
export interface SecretVersion extends VersionInfo {
  /** The value: a string for text, a `Uint8Array` for bytes. */
  value: string | Uint8Array;
}

/**
 * What {@linkcode SecretsEngine.getMeta} says of a secret: its facts and
 * annotation, without its value (nothing is decrypted but the annotation).
 */
export interface SecretMeta extends VersionInfo, Annotation {
  /** The secret's name. */
  name: string;
  /** When the secret was first stored. */
  created: Date;
  /**
   * When the current value is due for rotation (`updated` plus
   * `rotateEvery`), or `null` without a rotation policy.
   */
  rotationDue: Date | null;
}

/** A secret as {@linkcode SecretsEngine.getEntry} returns it. */
export interface SecretEntry extends SecretVersion, Annotation {
  /** The secret's name. */
  name: string;
  /** When the secret was first stored. */
  created: Date;
  /**
   * When the current value is due for rotation (`updated` plus
   * `rotateEvery`), or `null` without a rotation policy.
   */
  rotationDue: Date | null;
}

const decoder = new TextDecoder("utf-8", { fatal: true });

/** The row stored under the first of `hashes` that holds one. */
export function findRow(
  table: EntryTable,
  hashes: readonly string[],
): EntryRow | undefined {
  for (const hash of hashes) {
    const row = table.row(hash);
    if (row !== undefined) return row;
  }
  return undefined;
}

/**
 * The current version under the first of `hashes` that holds one, or
 * `undefined` when there is none or it has expired.
 */
function liveVersion(
  table: EntryTable,
  hashes: readonly string[],
): VersionColumns | undefined {
  for (const hash of hashes) {
    const current = table.current(hash);
    if (current === undefined) continue;
    return isLive(current.expires, Date.now()) ? current : undefined;
  }
  return undefined;
}

/** Decodes clear UTF-8 text, zeroing the bytes once decoded. */
function decodeText(plain: Uint8Array): string {
  try {
    return decoder.decode(plain);
  } finally {
    plain.fill(0);
  }
}

/**
 * The decrypted value of a version: a string for text, a `Uint8Array` for
 * bytes.
 */
function versionValue(
  vault: OpenedVault,
  row: VersionColumns,
): string | Uint8Array {
  const plain = openVersion(vault.keys, row);
  return row.kind === "bytes" ? plain : decodeText(plain);
}

/** `found`, or after a miss a check that the vault is still open. */
function checkedMiss<T>(vault: OpenedVault, found: T | null): T | null {
  if (found === null) checkStillOpen(vault.table, vault.keys);
  return found;
}

/**
 * The current value of `name` as text, or `null`; a bytes entry is a
 * {@linkcode ValidationError} pointing to `getBytes`.
 */
export function readText(vault: OpenedVault, name: string): string | null {
  const row = liveVersion(vault.table, vault.names.lookup(name));
  if (row === undefined) return checkedMiss(vault, null);
  if (row.kind === "bytes") {
    throw new ValidationError(
      `${entryRef(row.name_hash)} holds bytes, not text: read it with getBytes`,
    );
  }
  return decodeText(openVersion(vault.keys, row));
}

/**
 * The current value of `name` as text; a missing one is a
 * {@linkcode KeyNotFoundError}.
 */
export function readTextOrThrow(vault: OpenedVault, name: string): string {
  const value = readText(vault, name);
  if (value === null) {
    const [hash] = vault.names.lookup(name);
    throw new KeyNotFoundError(`no secret under ${entryRef(hash)}`);
  }
  return value;
}

/** The current value of `name` as bytes (text as UTF-8), or `null`. */
export function readBytes(
  vault: OpenedVault,
  name: string,
): Uint8Array | null {
  const row = liveVersion(vault.table, vault.names.lookup(name));
  return checkedMiss(
    vault,
    row === undefined ? null : openVersion(vault.keys, row),
  );
}

function info(row: VersionColumns): VersionInfo {
  return {
    version: row.version,
    kind: row.kind,
    updated: new Date(row.updated),
    expiresAt: row.expires === null ? null : new Date(row.expires),
  };
}

/** The live row of `name`, or `null` (the vault checked still open). */
function liveRow(vault: OpenedVault, name: string): EntryRow | null {
  const row = findRow(vault.table, vault.names.lookup(name));
  if (row === undefined || !isLive(row.expires, Date.now())) {
    return checkedMiss(vault, null);
  }
  return row;
}

function metaOf(vault: OpenedVault, name: string, row: EntryRow): SecretMeta {
  const annotation = readAnnotation(vault, row.name_hash);
  const { rotateEvery } = annotation;
  return {
    name,
    ...info(row),
    created: new Date(row.created),
    ...annotation,
    tags: [...annotation.tags],
    rotationDue: rotateEvery === null
      ? null
      : new Date(row.updated + rotateEvery),
  };
}

/** The current entry `name` with its value and facts, or `null`. */
export function readEntry(
  vault: OpenedVault,
  name: string,
): SecretEntry | null {
  const row = liveRow(vault, name);
  if (row === null) return null;
  return { ...metaOf(vault, name, row), value: versionValue(vault, row) };
}

/**
 * The facts and annotation of the current entry `name`, or `null`; its
 * value is not decrypted.
 */
export function readMeta(vault: OpenedVault, name: string): SecretMeta | null {
  const row = liveRow(vault, name);
  return row === null ? null : metaOf(vault, name, row);
}

/**
 * Every stored version of `name`, the current one first, expired or not;
 * nothing is decrypted. Empty when there is no entry.
 */
export function listVersions(
  vault: OpenedVault,
  name: string,
): VersionInfo[] {
  const { store, table } = vault;
  const hashes = vault.names.lookup(name);
  return store.snapshot(() => {
    const row = findRow(table, hashes);
    if (row === undefined) return [];
    return [row, ...table.history.versions(row.name_hash)].map(info);
  });
}

/** Version `version` of `row`: the row itself, or one kept in history. */
export function storedVersion(
  table: EntryTable,
  row: EntryRow,
  version: number,
): VersionColumns | undefined {
  return version === row.version
    ? row
    : table.history.version(row.name_hash, version);
}

/** Throws {@linkcode ValidationError} unless `version` is a whole number ≥ 1. */
export function checkVersion(version: unknown): number {
  if (
    typeof version !== "number" || !Number.isSafeInteger(version) ||
    version < 1
  ) {
    throw new ValidationError("version must be a whole number from 1");
  }
  return version;
}

/**
 * Version `version` of `name` with its value, or `null` when it is not
 * kept or has expired (as `get` reads an expired value).
 */
export function readVersion(
  vault: OpenedVault,
  name: string,
  version: number,
): SecretVersion | null {
  const { store, table } = vault;
  const hashes = vault.names.lookup(name);
  checkVersion(version);
  const now = Date.now();
  return store.snapshot(() => {
    const row = findRow(table, hashes);
    const stored = row && storedVersion(table, row, version);
    if (stored === undefined || !isLive(stored.expires, now)) return null;
    return { value: versionValue(vault, stored), ...info(stored) };
  });
}

/**
 * Whether a secret that has not expired is stored under `name`, without
 * decrypting anything.
 */
export function hasSecret(vault: OpenedVault, name: string): boolean {
  const index = vault.names.current();
  const now = Date.now();
  return vault.names.lookup(name).some((hash) => {
    const indexed = index.get(hash);
    return indexed !== undefined && isLive(indexed.expires, now);
  });
}

/** Which entries a listing takes, by expiry. */
export type Which = "live" | "expired" | "all";

/** The indexed entries `pattern` matches (all without one) of `which` kind. */
export function matching(
  vault: OpenedVault,
  pattern: string | undefined,
  which: Which,
): NamedEntry[] {
  const matches = pattern === undefined
    ? () => true
    : compileGlob(validatePattern(pattern));
  const now = Date.now();
  const wanted = ({ expires }: NamedEntry) =>
    which === "all" || isLive(expires, now) === (which === "live");
  return vault.names.named().filter((entry) =>
    wanted(entry) && matches(entry.name)
  );
}

/**
 * The names `pattern` matches, sorted: live ones, or only expired ones;
 * with `tag`, only those tagged with it.
 */
export function listNames(
  vault: OpenedVault,
  pattern: string | undefined,
  options: { expired?: boolean; tag?: string },
): string[] {
  let found = matching(vault, pattern, options.expired ? "expired" : "live");
  const { tag } = options;
  if (tag !== undefined) {
    if (typeof tag !== "string") {
      throw new ValidationError("tag must be a string");
    }
    const annotations = allAnnotations(vault);
    found = found.filter(({ hash }) =>
      annotations.get(hash)?.tags.includes(tag) === true
    );
  }
  return found.map(({ name }) => name).sort();
}

/** How many secrets the vault holds now, not counting expired ones. */
export function liveCount(vault: OpenedVault): number {
  const now = Date.now();
  let count = 0;
  for (const { expires } of vault.names.current().values()) {
    if (isLive(expires, now)) count++;
  }
  return count;
}
