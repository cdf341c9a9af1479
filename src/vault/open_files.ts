/**
 * The vault's directory and files, checked before SQLite opens anything:
 * the access the open needs, the owner, modes and kinds of every file, a
 * database created with the engine's mode for a new vault, and the refusal
 * of a database that lost what a keyfile or seal shows it held.
 *
 * @module
 */

import { join } from "node:path";
import { InitializationError, VaultNotFoundError } from "../errors.ts";
import { requireFactors } from "../keys/factors.ts";
import {
  createExclusive,
  FILE_MODE,
  inspectVaultFile,
  type Owner,
  pathExists,
  VAULT_FILES,
} from "../storage/files.ts";
import { resolveVaultPath } from "../storage/location.ts";
import {
  checkVaultDir,
  READ_ONLY,
  READ_WRITE,
  requireVaultAccess,
} from "../storage/permissions.ts";
import type { CheckedOptions, OpenOptions } from "./open_options.ts";

const OWNER_READ_WRITE = 0o600;

/** `store.db` checked, and which other vault files exist. */
export interface VaultFiles {
  /** `store.db` as checked. */
  database: Deno.FileInfo;
  /** The vault files that exist. */
  present: Set<string>;
}

/**
 * Checks every vault file once and returns `store.db`'s identity, creating
 * it (mode 0600, before SQLite can create it with its own) when the vault
 * is new. A missing database beside a keyfile is refused: it held secrets.
 */
function prepareVaultFiles(
  dir: string,
  owner: Owner,
  create: boolean,
  writable: boolean,
): VaultFiles {
  const found = new Map<string, Deno.FileInfo>();
  for (const name of Object.values(VAULT_FILES)) {
    const info = inspectVaultFile(join(dir, name), owner);
    if (info !== null) found.set(name, info);
  }
  const present = new Set(found.keys());
  const path = join(dir, VAULT_FILES.database);
  if (!present.has(VAULT_FILES.database)) {
    if (present.has(VAULT_FILES.keyfile)) {
      throw new InitializationError(
        "store.db is missing but the keyfile is not: restore store.db, or destroy the vault to start over",
      );
    }
    if (!create) throw new VaultNotFoundError(dir);
    try {
      createExclusive(path, FILE_MODE);
    } catch (error) {
      // Another process is creating the same vault at this moment.
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
  }
  const database = inspectVaultFile(path, owner);
  if (database === null) throw new Deno.errors.NotFound(path);
  found.set(VAULT_FILES.database, database);
  if (writable) checkWritable(dir, found);
  return { database, present };
}

/**
 * Refuses a database file its owner cannot write, before SQLite opens it:
 * SQLite would open read-only and create `store.db-shm` with the same
 * read-only mode, which then outlives the fix.
 */
function checkWritable(dir: string, found: Map<string, Deno.FileInfo>): void {
  // The modes seen when the files were checked: a second look could find a
  // WAL that another process's close removed meanwhile.
  const files = [VAULT_FILES.database, VAULT_FILES.wal, VAULT_FILES.shm];
  for (const file of files) {
    const path = join(dir, file);
    const mode = found.get(file)?.mode ?? null;
    if (mode !== null && (mode & OWNER_READ_WRITE) !== OWNER_READ_WRITE) {
      throw new InitializationError(
        `${file} is not readable and writable by its owner (mode ${
          (mode & 0o777).toString(8).padStart(4, "0")
        }): run chmod 600 ${path}`,
      );
    }
  }
}

/** Refuses an empty database that a sealed or keyed vault once held. */
export function checkEmptyDatabase(present: Set<string>): void {
  // The seal is first written just after creation commits, and `.keyfile`
  // exists only once it has: an empty database beside either lost its
  // contents; it was never half-created.
  for (const file of [VAULT_FILES.seal, VAULT_FILES.keyfile]) {
    if (present.has(file)) {
      throw new InitializationError(
        `store.db is empty but ${file} shows the vault held secrets: restore store.db, or destroy the vault to start over`,
      );
    }
  }
}

/** The vault directory and its files, checked. */
export interface CheckedVault {
  /** The directory's real path. */
  dir: string;
  /** The user the vault's files must belong to. */
  owner: Owner;
  /** Whether a file can be made in it: `false` on read-only storage. */
  writable: boolean;
  /** The files, checked. */
  files: VaultFiles;
}

/**
 * The vault directory and its files, checked with the access the open
 * needs (a recovery only reads, and learns the owner without writing).
 */
export function checkedVault(
  options: OpenOptions,
  checked: CheckedOptions,
): CheckedVault {
  const access = checked.recover ? READ_ONLY : READ_WRITE;
  const path = resolveVaultPath(options);
  requireVaultAccess(path, access);
  const exists = pathExists(join(path, VAULT_FILES.database));
  if (!checked.create && !exists) throw new VaultNotFoundError(path);
  // Before anything is made: a new vault that cannot read its factors
  // would leave an empty directory and store.db behind.
  if (!exists) requireFactors(checked.factors, true);
  const { dir, owner, writable } = checkVaultDir(path, access);
  if (!writable && !exists) {
    throw new InitializationError(
      `${dir} cannot be written (read-only storage, or no write permission), so no vault can be created there`,
    );
  }
  const files = prepareVaultFiles(dir, owner, checked.create, writable);
  return { dir, owner, writable, files };
}
