/**
 * Up-front checks of the file permissions a vault needs, so that a missing
 * one is a {@linkcode PermissionError} naming the exact flag rather than a
 * prompt or a raw `NotCapable` from deep inside SQLite.
 *
 * @module
 */

import { PermissionError } from "./errors.ts";

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
  for (const name of ["read", "write"] as const) {
    if (Deno.permissions.querySync({ name, path }).state !== "granted") {
      throw new PermissionError(
        `--allow-${name}=${path}`,
        `the vault needs ${name} access to its directory`,
      );
    }
  }
}
