/**
 * Up-front checks of the file permissions a vault needs, so that a missing
 * one is a {@linkcode PermissionError} naming the exact flag rather than a
 * prompt or a raw `NotCapable` from deep inside SQLite.
 *
 * @module
 */

import { join } from "node:path";
import { PermissionError } from "../errors.ts";
import {
  directoryOwner,
  prepareVaultDir,
  VAULT_FILES,
  vaultOwner,
  type VaultOwnership,
} from "./files.ts";

/** The access a vault is opened with: a recovery only reads. */
export type VaultAccess = readonly ("read" | "write")[];

/** Read and write: what every open but a recovery needs. */
export const READ_WRITE: VaultAccess = ["read", "write"];

/** Read alone: what a recovery needs. */
export const READ_ONLY: VaultAccess = ["read"];

/**
 * Throws {@linkcode PermissionError} unless Deno grants `access` (default
 * read and write) on `path`.
 */
export function requireVaultAccess(
  path: string,
  access: VaultAccess = READ_WRITE,
): void {
  requireAccess(path, access, "the vault needs $ access to its directory");
}

/**
 * Throws {@linkcode PermissionError} unless Deno grants `access` (default
 * read and write) on every vault file in `dir`: a `--deny-read` or `--deny-write` on one file
 * inside a granted directory is named up front, not met halfway through.
 */
function requireVaultFileAccess(
  dir: string,
  access: VaultAccess = READ_WRITE,
): void {
  for (const file of Object.values(VAULT_FILES)) {
    requireAccess(
      join(dir, file),
      access,
      `the vault needs $ access to ${file}`,
    );
  }
}

function requireAccess(
  path: string,
  access: VaultAccess,
  reason: string,
): void {
  for (const name of access) {
    if (Deno.permissions.querySync({ name, path }).state !== "granted") {
      throw new PermissionError(
        `--allow-${name}=${path}`,
        reason.replace("$", name),
      );
    }
  }
}

/** A vault directory checked: its real path, and who owns it. */
export interface CheckedVaultDir extends VaultOwnership {
  /** The directory's real path. */
  dir: string;
}

/**
 * Checks the vault directory at `path` (made if missing, mode 0700): the
 * permissions `access` needs on it, on its real path and on every vault
 * file, and who owns it, learnt without writing when `access` only reads.
 */
export function checkVaultDir(
  path: string,
  access: VaultAccess,
): CheckedVaultDir {
  const dir = prepareVaultDir(path);
  if (dir !== path) requireVaultAccess(dir, access);
  requireVaultFileAccess(dir, access);
  const reads = !access.includes("write");
  const ownership = reads
    ? { owner: directoryOwner(dir), writable: false }
    : vaultOwner(dir);
  return { dir, ...ownership };
}
