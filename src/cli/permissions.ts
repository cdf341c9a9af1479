/**
 * The Deno permissions opening a vault needs, named all at once before it
 * opens: run without the install line's flags, the library names one
 * missing flag per try (the environment, then read, then write), and a
 * user would meet them one run at a time.
 *
 * @module
 */

import { resolveVaultPath } from "../storage/location.ts";
import { type LocationOptions, PermissionError } from "../../mod.ts";

/** The variables a default vault location is read from. */
const LOCATION_VARIABLES = Deno.build.os === "windows"
  ? ["APPDATA", "USERPROFILE"]
  : ["XDG_CONFIG_HOME", "HOME"];

/** How the default vault directory is written when it cannot be read. */
const DEFAULT_DIR = Deno.build.os === "windows"
  ? '"%USERPROFILE%\\.secrets-engine"'
  : '"$HOME/.secrets-engine"';

function granted(descriptor: Deno.PermissionDescriptor): boolean {
  return Deno.permissions.querySync(descriptor).state === "granted";
}

/**
 * The vault directory, or `null` when this process may not learn it (no
 * access to the environment, or to the working directory for a relative
 * path). Any other failure (HOME not set) is the open's to report.
 */
function vaultDir(location: LocationOptions): string | null {
  try {
    return resolveVaultPath(location);
  } catch (error) {
    if (
      error instanceof PermissionError ||
      error instanceof Deno.errors.NotCapable
    ) {
      return null;
    }
    throw error;
  }
}

/**
 * Every flag that opening the vault at `location` with `access` needs and
 * this process was not given, in the order a user adds them; none when it
 * has them all.
 *
 * @example Name no flag when the vault is readable and writable
 * ```ts
 * import { missingVaultFlags } from "./permissions.ts";
 * import assert from "node:assert/strict";
 * const dir = Deno.makeTempDirSync();
 * assert.deepEqual(missingVaultFlags({ path: dir }, ["read", "write"]), []);
 * Deno.removeSync(dir);
 * ```
 */
export function missingVaultFlags(
  location: LocationOptions,
  access: readonly ("read" | "write")[],
): string[] {
  const variables = location.path === undefined
    ? LOCATION_VARIABLES.filter((variable) =>
      !granted({ name: "env", variable })
    )
    : [];
  const flags = variables.length > 0
    ? [`--allow-env=${variables.join(",")}`]
    : [];
  const dir = vaultDir(location);
  for (const name of access) {
    // Where the directory cannot be learnt, only access to everything
    // is known to cover it; the flag names it as the user's shell will.
    const covered = dir === null
      ? granted({ name })
      : granted({ name, path: dir });
    if (!covered) {
      flags.push(`--allow-${name}=${dir ?? location.path ?? DEFAULT_DIR}`);
    }
  }
  return flags;
}
