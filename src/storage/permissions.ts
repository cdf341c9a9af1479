/**
 * Up-front checks of the file permissions a vault needs, so that a missing
 * one is a {@linkcode PermissionError} naming the exact flag rather than a
 * prompt or a raw `NotCapable` from deep inside SQLite.
 *
 * @module
 */

import { join } from "node:path";
import { PermissionError } from "../errors.ts";
import { VAULT_FILES } from "./vault_files.ts";

/** The access a vault is opened with: a recovery only reads. */
export type VaultAccess = readonly ("read" | "write")[];

/** Read and write: what every open but a recovery needs. */
export const READ_WRITE: VaultAccess = ["read", "write"];

/** Read alone: what a recovery needs. */
export const READ_ONLY: VaultAccess = ["read"];

/**
 * Throws {@linkcode PermissionError} unless Deno grants `access` (default
 * read and write) on `path`.
 *
 * @example Calling requireVaultAccess
 * ```ts
 * import { requireVaultAccess } from "./permissions.ts";
 * const dir = Deno.makeTempDirSync();
 * requireVaultAccess(dir);
 * Deno.removeSync(dir);
 * ```
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
 *
 * @example Calling requireVaultFileAccess
 * ```ts
 * import { requireVaultFileAccess } from "./permissions.ts";
 * const dir = Deno.makeTempDirSync();
 * requireVaultFileAccess(dir);
 * Deno.removeSync(dir);
 * ```
 */
export function requireVaultFileAccess(
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
