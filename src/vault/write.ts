/**
 * Writing to an open vault: storing values, deleting entries, reverting to
 * an earlier version, purging expired entries and setting the history
 * limit. Each write commits in one transaction and then records what it
 * changed in the vault's name index itself, so the index can never miss a
 * write of this engine (another process's commits reload it).
 *
 * @module
 */

import { KeyNotFoundError, ValidationError } from "../errors.ts";
import { checkAnnotationChange } from "../rules/annotation.ts";
import { hasExpiry, isLive, resolveExpiry } from "../rules/expiry.ts";
import {
  validateHistoryLimit,
  validateNames,
  validateProgress,
} from "../rules/validate.ts";
import type { OpenedVault } from "./opened.ts";
import { checkVersion, findRow, storedVersion } from "./read.ts";
import { entryRef, openVersion } from "../storage/rows.ts";
import { putEntries } from "../storage/put_entries.ts";
import {
  removeEntries,
  writeEntries,
  writeHistoryLimit,
} from "../storage/writes.ts";
import type {
  ExpiryOptions,
  ProgressOptions,
  SecretValue,
  SetOptions,
} from "../types.ts";

/**
 * A write that keeps a row's encrypted name as it is: the row already
 * exists, so its name is not written again.
 */
const KEEP_NAME = new Uint8Array();

/**
 * Refuses a write of names the vault already holds: a
 * {@linkcode ValidationError} that lists them all (the caller passed them).
 */
export function refuseTaken(taken: readonly { name: string }[]): never {
  const names = taken.map(({ name }) => JSON.stringify(name)).join(", ");
  throw new ValidationError(
    `the vault already holds ${names}, and nothing was written`,
    { remedy: { kind: "overwrite" } },
  );
}

function checkOverwrite(options: SetOptions | undefined): boolean {
  const overwrite = options?.overwrite ?? true;
  if (typeof overwrite !== "boolean") {
    throw new ValidationError("overwrite is true or false");
  }
  return overwrite;
}

/**
 * Stores each `[name, value]` pair (validated) as the next version of its
 * secret, with the expiry `options` gives and any change to its
 * annotation, in one transaction; with `overwrite: false`, names the vault
 * holds are refused, all listed, and nothing is written. A name given
 * twice takes its last value, and only that one becomes a version: the
 * first was never the secret's value.
 */
export function putSecrets(
  vault: OpenedVault,
  pairs: readonly [string, SecretValue][],
  options: (SetOptions & ProgressOptions) | undefined,
): void {
  const expires = resolveExpiry(options, Date.now());
  const change = checkAnnotationChange(options);
  const overwrite = checkOverwrite(options);
  const onProgress = validateProgress(options);
  const byHash = new Map(pairs.map(([name, value]) => {
    const hash = vault.names.hash(name);
    return [hash, { hash, name, value, expires, annotation: change }];
  }));
  const writes = [...byHash.values()];
  putEntries(vault, writes, {
    refuseExisting: overwrite ? undefined : refuseTaken,
    onProgress,
  });
  for (const { hash, name } of writes) vault.names.add(hash, name, expires);
}

/**
 * Removes each of `names` with its history, in one transaction, under
 * every spelling it may be stored in; returns how many existed.
 */
export function deleteSecrets(
  vault: OpenedVault,
  names: Iterable<string>,
): number {
  const lookups = validateNames(names).map((name) => vault.names.lookup(name));
  const removed = removeEntries(vault, lookups);
  for (const hash of removed.flat()) vault.names.remove(hash);
  return removed.length;
}

/**
 * Makes version `version` of `name` current again as a new version, in one
 * transaction; returns its number. Its expiry is the one `options` gives,
 * else the old version's, which must not have passed.
 */
export function revertSecret(
  vault: OpenedVault,
  name: string,
  version: number,
  options: ExpiryOptions | undefined,
): number {
  const hashes = vault.names.lookup(name);
  checkVersion(version);
  const now = Date.now();
  const expires = resolveExpiry(options, now);
  const reverted = writeEntries(vault, now, (session) => {
    const row = findRow(vault.table, hashes);
    if (row === undefined) {
      throw new KeyNotFoundError(`no secret under ${entryRef(hashes[0])}`);
    }
    const stored = storedVersion(vault.table, row, version);
    if (stored === undefined) {
      throw new KeyNotFoundError(
        `${
          entryRef(row.name_hash)
        } keeps no version ${version}: it was never written or was pruned by the history limit`,
      );
    }
    const kept = hasExpiry(options) ? expires : stored.expires;
    if (!isLive(kept, now)) {
      throw new ValidationError(
        `version ${version} of ${
          entryRef(row.name_hash)
        } has expired: give a new expiresAt or ttlMs to revert to it`,
      );
    }
    const bytes = openVersion(vault.keys, stored);
    try {
      session.put(row.name_hash, KEEP_NAME, {
        bytes,
        kind: stored.kind,
        expires: kept,
      });
    } finally {
      bytes.fill(0);
    }
    return { hash: row.name_hash, version: row.version + 1, expires: kept };
  });
  vault.names.expire(reverted.hash, reverted.expires);
  return reverted.version;
}

/**
 * Removes, in one transaction, every entry that has expired by now, with
 * its history; returns how many were removed.
 */
export function purgeExpired(vault: OpenedVault): number {
  const now = Date.now();
  const expired = [...vault.names.current()]
    .filter(([, { expires }]) => !isLive(expires, now))
    .map(([hash]) => hash);
  const removed = writeEntries(
    vault,
    now,
    (session) =>
      expired.filter((hash) => {
        const row = session.row(hash);
        return row !== undefined && !isLive(row.expires, now) &&
          session.remove(hash);
      }),
  );
  for (const hash of removed) vault.names.remove(hash);
  return removed.length;
}

/**
 * Sets how many earlier versions of each secret the vault keeps, dropping
 * every version beyond it.
 */
export function setHistoryLimit(
  vault: OpenedVault,
  limit: number,
): Promise<void> {
  return writeHistoryLimit(vault, validateHistoryLimit(limit));
}
