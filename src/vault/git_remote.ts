/**
 * A git folder as a copy's remote: checked to sit in a git working tree,
 * made, and given the `.gitattributes` line that sends its files to the
 * merge driver; the `git config` line that registers the driver names this
 * copy's vault, since the driver opens it to merge. Nothing here runs git:
 * the user commits, pushes and pulls as with any file.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { PermissionError, ValidationError } from "../errors.ts";
import type { GitAddress } from "../remote/address.ts";

/** What `.gitattributes` in the folder says: every file merges by name. */
export const GIT_ATTRIBUTES = "* merge=secrets -text\n";

/** The `git config` line that registers the merge driver for the vault in `dir`. */
export function driverLine(dir: string): string {
  return `git config merge.secrets.driver "secrets --path '${dir}' merge-driver %O %A %B %P"`;
}

/** Refuses, naming the flags, a process that may not read and write `dir`. */
export function checkFolder(address: GitAddress): void {
  for (const name of ["read", "write"] as const) {
    const access = Deno.permissions.querySync({ name, path: address.dir });
    if (access.state !== "granted") {
      throw new PermissionError(
        `--allow-${name}=${address.dir}`,
        `a git folder remote needs read and write access to ${address.dir}`,
      );
    }
  }
}

/** The working tree `dir` is in: the nearest folder holding `.git`. */
function workingTree(dir: string): string | null {
  for (let at = dir;; at = dirname(at)) {
    try {
      Deno.lstatSync(join(at, ".git"));
      return at;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    if (dirname(at) === at) return null;
  }
}

/**
 * Makes the folder (in a git working tree, or a {@linkcode ValidationError})
 * and its `.gitattributes`; returns the line that registers the driver.
 */
export function prepareGitFolder(dir: string, address: GitAddress): string {
  checkFolder(address);
  if (workingTree(address.dir) === null) {
    throw new ValidationError(
      `${address.dir} is not in a git working tree: git init, or clone the repository, first`,
    );
  }
  Deno.mkdirSync(address.dir, { recursive: true });
  const attributes = join(address.dir, ".gitattributes");
  let present = "";
  try {
    present = Deno.readTextFileSync(attributes);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  if (present !== GIT_ATTRIBUTES) {
    Deno.writeTextFileSync(attributes, GIT_ATTRIBUTES);
  }
  return driverLine(dir);
}
