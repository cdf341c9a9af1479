/**
 * Reading entries with what they carry (kind, expiry, version) and their
 * earlier versions, and the writes that work on versions: revert and the
 * purge of expired entries. Each read decrypts only what it returns.
 *
 * @module
 */

import { KeyNotFoundError, ValidationError } from "./errors.ts";
import { hasExpiry, resolveExpiry, type SetOptions } from "./expiry.ts";
import { isLive } from "./name_index.ts";
import type { OpenedVault } from "./open.ts";
import type { EntryTable } from "./storage/entries.ts";
import { entryLabel, openVersion } from "./storage/rows.ts";
import type { EntryRow, ValueKind, VersionColumns } from "./storage/columns.ts";
import { writeEntries } from "./storage/writes.ts";

export type { ValueKind } from "./storage/columns.ts";

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

/** A secret as {@linkcode SecretsEngine.getEntry} returns it. */
export interface SecretEntry extends SecretVersion {
  /** The secret's name. */
  name: string;
  /** When the secret was first stored. */
  created: Date;
}

const decoder = new TextDecoder("utf-8", { fatal: true });
const NO_NAME = new Uint8Array();

/** The row stored under the first of `hashes` that holds one. */
function findRow(
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

/**
 * The current value under `hashes` as text; a bytes entry is a
 * {@linkcode ValidationError} pointing to `getBytes`.
 */
export function readText(
  vault: OpenedVault,
  hashes: readonly string[],
): string | null {
  const row = liveVersion(vault.table, hashes);
  if (row === undefined) return null;
  if (row.kind === "bytes") {
    throw new ValidationError(
      `${
        entryLabel(row.name_hash)
      } holds bytes, not text: read it with getBytes`,
    );
  }
  return decodeText(openVersion(vault.keys, row));
}

/** The current value under `hashes` as bytes, text as UTF-8. */
export function readBytes(
  vault: OpenedVault,
  hashes: readonly string[],
): Uint8Array | null {
  const row = liveVersion(vault.table, hashes);
  return row === undefined ? null : openVersion(vault.keys, row);
}

function info(row: VersionColumns): VersionInfo {
  return {
    version: row.version,
    kind: row.kind,
    updated: new Date(row.updated),
    expiresAt: row.expires === null ? null : new Date(row.expires),
  };
}

/** The current entry under `hashes` with its value and facts, or `null`. */
export function readEntry(
  vault: OpenedVault,
  hashes: readonly string[],
  name: string,
): SecretEntry | null {
  const row = findRow(vault.table, hashes);
  if (row === undefined || !isLive(row.expires, Date.now())) return null;
  const value = versionValue(vault, row);
  return { name, value, ...info(row), created: new Date(row.created) };
}

/**
 * Every stored version under `hashes`, the current one first, expired or
 * not; nothing is decrypted. Empty when there is no entry.
 */
export function listVersions(
  vault: OpenedVault,
  hashes: readonly string[],
): VersionInfo[] {
  const { store, table } = vault;
  return store.snapshot(() => {
    const row = findRow(table, hashes);
    if (row === undefined) return [];
    return [row, ...table.history.versions(row.name_hash)].map(info);
  });
}

function storedVersion(
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
 * Version `version` under `hashes` with its value, or `null` when it is
 * not kept or has expired (as `get` reads an expired value).
 */
export function readVersion(
  vault: OpenedVault,
  hashes: readonly string[],
  version: number,
): SecretVersion | null {
  const { store, table } = vault;
  const now = Date.now();
  return store.snapshot(() => {
    const row = findRow(table, hashes);
    const stored = row && storedVersion(table, row, version);
    if (stored === undefined || !isLive(stored.expires, now)) return null;
    return { value: versionValue(vault, stored), ...info(stored) };
  });
}

/** What a revert wrote: the entry, its new version and that one's expiry. */
export interface Reverted {
  /** The entry's name hash. */
  hash: string;
  /** The new version's number. */
  version: number;
  /** The new version's expiry. */
  expires: number | null;
}

/**
 * Makes version `version` under `hashes` current again as a new version,
 * in one transaction. Its expiry is the one `options` gives, else the old
 * version's, which must not have passed.
 */
export function revertEntry(
  vault: OpenedVault,
  hashes: readonly string[],
  version: number,
  options: SetOptions | undefined,
): Reverted {
  const now = Date.now();
  const expires = resolveExpiry(options, now);
  return writeEntries(vault, now, (session) => {
    const row = findRow(vault.table, hashes);
    if (row === undefined) {
      throw new KeyNotFoundError(`no secret under ${entryLabel(hashes[0])}`);
    }
    const stored = storedVersion(vault.table, row, version);
    if (stored === undefined) {
      throw new KeyNotFoundError(
        `${
          entryLabel(row.name_hash)
        } keeps no version ${version}: it was never written or was pruned by the history limit`,
      );
    }
    const kept = hasExpiry(options) ? expires : stored.expires;
    if (!isLive(kept, now)) {
      throw new ValidationError(
        `version ${version} of ${
          entryLabel(row.name_hash)
        } has expired: give a new expiresAt or ttlMs to revert to it`,
      );
    }
    const bytes = openVersion(vault.keys, stored);
    try {
      session.put(row.name_hash, NO_NAME, {
        bytes,
        kind: stored.kind,
        expires: kept,
      });
    } finally {
      bytes.fill(0);
    }
    return { hash: row.name_hash, version: row.version + 1, expires: kept };
  });
}

/**
 * Removes, in one transaction, every entry of `hashes` that has expired by
 * now, with its history; returns the hashes removed.
 */
export function purgeExpired(
  vault: OpenedVault,
  hashes: readonly string[],
): string[] {
  const now = Date.now();
  return writeEntries(vault, now, (session) =>
    hashes.filter((hash) => {
      const row = session.row(hash);
      return row !== undefined && !isLive(row.expires, now) &&
        session.remove(hash);
    }));
}
