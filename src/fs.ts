/**
 * The files of a vault on disk: their names and modes, checks that refuse
 * symlinks and loose permissions, exclusive and atomic writes, and removal
 * of exactly the engine's own files.
 *
 * @module
 */

import { join } from "node:path";
import { randomBytes } from "./crypto.ts";
import { SecurityError } from "./errors.ts";

/** The names of the files a vault directory holds, and nothing else. */
export const VAULT_FILES = {
  keyfile: ".keyfile",
  database: "store.db",
  wal: "store.db-wal",
  shm: "store.db-shm",
  seal: "meta.json",
} as const;

/** Mode of the vault directory. */
export const DIR_MODE = 0o700;
/** Mode of the keyfile: read-only for its owner. */
export const KEYFILE_MODE = 0o400;
/** Mode of the database, its WAL and SHM files, and the seal. */
export const FILE_MODE = 0o600;

const GROUP_OTHER_BITS = 0o077;
const TEMP_FILE = /^(?:\.keyfile|meta\.json)\.[0-9a-f]{16}\.tmp$/;
const checksModes = Deno.build.os !== "windows";

function checkMode(info: Deno.FileInfo, what: string): void {
  if (checksModes && info.mode !== null && info.mode & GROUP_OTHER_BITS) {
    const mode = (info.mode & 0o777).toString(8).padStart(4, "0");
    throw new SecurityError(
      `${what} has mode ${mode}: group and other must have no access`,
    );
  }
}

function lstatOrNull(path: string): Deno.FileInfo | null {
  try {
    return Deno.lstatSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

/**
 * Creates the vault directory (mode 0700) if it is missing, checks its mode,
 * and returns its real path. A vault path may pass through symlinks; the
 * files inside may not.
 *
 * @example
 * ```ts
 * import { prepareVaultDir } from "./fs.ts";
 * const parent = Deno.makeTempDirSync();
 * const dir = prepareVaultDir(`${parent}/vault`);
 * Deno.removeSync(parent, { recursive: true });
 * console.assert(dir.endsWith("vault"));
 * ```
 */
export function prepareVaultDir(path: string): string {
  if (lstatOrNull(path) === null) {
    Deno.mkdirSync(path, { recursive: true, mode: DIR_MODE });
    if (checksModes) Deno.chmodSync(path, DIR_MODE);
  }
  // Stat through the granted path: the real one may lie outside the grant,
  // which the caller reports as a PermissionError naming it.
  const info = Deno.statSync(path);
  const real = Deno.realPathSync(path);
  if (!info.isDirectory) {
    throw new SecurityError("the vault path is not a directory");
  }
  checkMode(info, "the vault directory");
  return real;
}

/**
 * Checks one vault file: `false` when it is missing; `true` when it is a
 * regular file (not a symlink) with no group or other access; otherwise
 * {@linkcode SecurityError}.
 *
 * @example
 * ```ts
 * import { inspectVaultFile } from "./fs.ts";
 * console.assert(inspectVaultFile(`${Deno.makeTempDirSync()}/meta.json`) === false);
 * ```
 */
export function inspectVaultFile(path: string): boolean {
  const info = lstatOrNull(path);
  const name = path.split(/[\\/]/).pop();
  if (info === null) return false;
  if (info.isSymlink) {
    throw new SecurityError(`${name} is a symlink; vault files never are`);
  }
  if (!info.isFile) throw new SecurityError(`${name} is not a regular file`);
  checkMode(info, name ?? path);
  return true;
}

/**
 * Creates `path` with `mode` from the first byte on, failing if it exists,
 * so no other process ever sees it with looser permissions.
 *
 * @example
 * ```ts
 * import { createExclusive } from "./fs.ts";
 * const path = `${Deno.makeTempDirSync()}/store.db`;
 * createExclusive(path, 0o600);
 * console.assert(Deno.statSync(path).size === 0);
 * ```
 */
export function createExclusive(
  path: string,
  mode: number,
  data: Uint8Array = new Uint8Array(),
): void {
  using file = Deno.openSync(path, { write: true, createNew: true, mode });
  writeAll(file, data);
  file.syncSync();
}

function writeAll(file: Deno.FsFile, data: Uint8Array): void {
  for (let done = 0; done < data.length;) {
    done += file.writeSync(data.subarray(done));
  }
}

function syncDir(dir: string): void {
  if (!checksModes) return;
  using handle = Deno.openSync(dir, { read: true });
  handle.syncSync();
}

/**
 * Replaces `dir/name` with `data` atomically: a temporary file in the same
 * directory, fsync, rename, fsync of the directory. A crash leaves the old
 * file or the new one, never a mix.
 *
 * @example
 * ```ts
 * import { writeAtomic } from "./fs.ts";
 * const dir = Deno.makeTempDirSync();
 * writeAtomic(dir, "meta.json", new TextEncoder().encode("{}"), 0o600);
 * console.assert(Deno.readTextFileSync(`${dir}/meta.json`) === "{}");
 * ```
 */
export function writeAtomic(
  dir: string,
  name: string,
  data: Uint8Array,
  mode: number,
): void {
  const suffix = Array.from(
    randomBytes(8),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
  const temp = join(dir, `${name}.${suffix}.tmp`);
  try {
    createExclusive(temp, mode, data);
    Deno.renameSync(temp, join(dir, name));
  } catch (error) {
    removeIfPresent(temp);
    throw error;
  }
  syncDir(dir);
}

function removeIfPresent(path: string): void {
  try {
    Deno.removeSync(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/**
 * Removes the vault's own files (and temporary files its atomic writes
 * left behind), then the directory if that left it empty. A file the
 * engine did not create survives, and so does the directory holding it.
 *
 * @example
 * ```ts
 * import { removeVaultFiles } from "./fs.ts";
 * const dir = Deno.makeTempDirSync();
 * Deno.writeTextFileSync(`${dir}/notes.txt`, "mine");
 * removeVaultFiles(dir);
 * console.assert(Deno.readTextFileSync(`${dir}/notes.txt`) === "mine");
 * ```
 */
export function removeVaultFiles(dir: string): void {
  for (const name of Object.values(VAULT_FILES)) {
    removeIfPresent(join(dir, name));
  }
  let othersRemain = false;
  for (const entry of Deno.readDirSync(dir)) {
    if (entry.isFile && TEMP_FILE.test(entry.name)) {
      removeIfPresent(join(dir, entry.name));
    } else {
      othersRemain = true;
    }
  }
  if (!othersRemain) Deno.removeSync(dir);
}
