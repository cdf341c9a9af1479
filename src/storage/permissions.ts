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

/**
 * Throws {@linkcode PermissionError} unless Deno grants both read and write
 * on `path`.
 *
 * @example
 * ```ts
 * import { requireVaultAccess } from "./permissions.ts";
 * const dir = Deno.makeTempDirSync();
 * requireVaultAccess(dir);
 * Deno.removeSync(dir);
 * ```
 */
export function requireVaultAccess(path: string): void {
  requireAccess(path, "the vault needs $ access to its directory");
}

/**
 * Throws {@linkcode PermissionError} unless Deno grants read and write on
 * every vault file in `dir`: a `--deny-read` or `--deny-write` on one file
 * inside a granted directory is named up front, not met halfway through.
 *
 * @example
 * ```ts
 * import { requireVaultFileAccess } from "./permissions.ts";
 * const dir = Deno.makeTempDirSync();
 * requireVaultFileAccess(dir);
 * Deno.removeSync(dir);
 * ```
 */
export function requireVaultFileAccess(dir: string): void {
  for (const file of Object.values(VAULT_FILES)) {
    requireAccess(join(dir, file), `the vault needs $ access to ${file}`);
  }
}

function requireAccess(path: string, reason: string): void {
  for (const name of ["read", "write"] as const) {
    if (Deno.permissions.querySync({ name, path }).state !== "granted") {
      throw new PermissionError(
        `--allow-${name}=${path}`,
        reason.replace("$", name),
      );
    }
  }
}
