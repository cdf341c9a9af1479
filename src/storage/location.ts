/**
 * Where a vault lives: an explicit path, or a default location under the
 * user's home or config directory. Reading the environment for a default
 * needs `--allow-env`, checked up front so that Deno never prompts.
 *
 * @module
 */

import { join, resolve } from "node:path";
import {
  InitializationError,
  PermissionError,
  ValidationError,
} from "../errors.ts";
import type { LocationOptions } from "../types.ts";

const DIR_NAME = "secrets-engine";
const isWindows = Deno.build.os === "windows";
const HOME_VAR = isWindows ? "USERPROFILE" : "HOME";
const CONFIG_VAR = isWindows ? "APPDATA" : "XDG_CONFIG_HOME";

function readEnv(variable: string): string | undefined {
  const state = Deno.permissions.querySync({ name: "env", variable }).state;
  if (state !== "granted") {
    throw new PermissionError(
      `--allow-env=${variable}`,
      "the default vault location is read from the environment",
      { orPath: true },
    );
  }
  return Deno.env.get(variable) || undefined;
}

function home(): string {
  const dir = readEnv(HOME_VAR);
  if (dir === undefined) {
    // Not a permission: access to it is granted, and it holds nothing.
    throw new InitializationError(
      `${HOME_VAR} is not set, so there is no default vault location`,
      { remedy: { kind: "path" } },
    );
  }
  return dir;
}

function configDir(): string {
  return readEnv(CONFIG_VAR) ??
    (isWindows ? join(home(), "AppData", "Roaming") : join(home(), ".config"));
}

/**
 * Checks the location options: a non-empty `path` without NUL, and a
 * `location` of `"home"` or `"xdg"`; anything else is a
 * {@linkcode ValidationError}.
 */
export function checkLocation(options: LocationOptions): void {
  const { path, location } = options;
  if (path !== undefined && (typeof path !== "string" || path === "")) {
    throw new ValidationError("path must be a non-empty string");
  }
  if (path?.includes("\0")) {
    throw new ValidationError("path must not contain a NUL character");
  }
  if (location !== undefined && location !== "home" && location !== "xdg") {
    throw new ValidationError('location must be "home" or "xdg"');
  }
}

/**
 * Resolves the absolute vault directory the options name.
 */
export function resolveVaultPath(options: LocationOptions = {}): string {
  if (options.path !== undefined) return resolve(options.path);
  switch (options.location) {
    case "home":
      return join(home(), `.${DIR_NAME}`);
    case "xdg":
      return join(configDir(), DIR_NAME);
    default:
      return readEnv(CONFIG_VAR) === undefined
        ? join(home(), `.${DIR_NAME}`)
        : join(configDir(), DIR_NAME);
  }
}
