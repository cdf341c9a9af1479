/**
 * The files of a vault on disk: their names and modes, checks that refuse
 * symlinks, hard links, other owners and loose permissions, and exclusive
 * and atomic writes. (Removing them is `vault_removal.ts`.)
 *
 * @module
 */

import { dirname, join, resolve } from "node:path";
import { encodeHex } from "../base64.ts";
import { randomBytes } from "../crypto.ts";
import { SecurityError } from "../errors.ts";

/** The names of the files a vault directory holds, and nothing else. */
export const VAULT_FILES = {
  keyfile: ".keyfile",
  pendingKeyfile: ".keyfile.pending",
  database: "store.db",
  wal: "store.db-wal",
  shm: "store.db-shm",
  seal: "meta.json",
  remote: "remote.json",
} as const;

/** Mode of the vault directory. */
const DIR_MODE = 0o700;
/** Mode of the keyfile: read-only for its owner. */
export const KEYFILE_MODE = 0o400;
/** Mode of the database, its WAL and SHM files, and the seal. */
export const FILE_MODE = 0o600;

const GROUP_OTHER_BITS = 0o077;
/** The temporary files the engine's atomic writes and probes name. */
export const TEMP_FILE =
  /^(?:\.keyfile|\.keyfile\.pending|meta\.json|remote\.json|\.owner)\.[0-9a-f]{16}\.tmp$/;
const isPosix = Deno.build.os !== "windows";

/** Who owns a vault: the user id its files must have (`null` on Windows). */
export type Owner = number | null;

function checkMode(info: Deno.FileInfo, what: string, path: string): void {
  if (isPosix && info.mode !== null && info.mode & GROUP_OTHER_BITS) {
    const mode = info.mode & 0o777;
    const fixed = (mode & ~GROUP_OTHER_BITS).toString(8);
    throw new SecurityError(
      `${what} has mode ${mode.toString(8).padStart(4, "0")}: ` +
        `group and other must have no access (run: chmod ${fixed} ${path})`,
    );
  }
}

function checkOwner(info: Deno.FileInfo, owner: Owner, what: string): void {
  if (owner !== null && info.uid !== owner) {
    throw new SecurityError(
      `${what} is owned by user ${info.uid}, not by this process's user ${owner}: ` +
        "another user could read what is written to it",
    );
  }
}

/** What `lstat` says of `path`, or `null` when nothing is there. */
export function lstatOrNull(path: string): Deno.FileInfo | null {
  try {
    return Deno.lstatSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

/**
 * Whether anything is at `path` (a dangling symlink counts).
 */
export function pathExists(path: string): boolean {
  return lstatOrNull(path) !== null;
}

function randomSuffix(): string {
  return encodeHex(randomBytes(8));
}

/**
 * The user this process creates files as, learnt without `--allow-sys`: the
 * owner of a file it creates in `dir` and removes at once.
 */
function probeOwner(dir: string): Owner {
  if (!isPosix) return null;
  const probe = join(dir, `.owner.${randomSuffix()}.tmp`);
  try {
    using file = Deno.openSync(probe, {
      write: true,
      createNew: true,
      mode: FILE_MODE,
    });
    return file.statSync().uid;
  } finally {
    removeIfPresent(probe);
  }
}

/**
 * Creates the vault directory (mode 0700) if it is missing, checks its
 * mode, and returns its real path. A vault path may pass through symlinks;
 * the files inside may not.
 */
export function prepareVaultDir(path: string): string {
  if (lstatOrNull(path) === null) {
    Deno.mkdirSync(path, { recursive: true, mode: DIR_MODE });
    if (isPosix) Deno.chmodSync(path, DIR_MODE);
    syncParent(path);
  }
  // Stat through the granted path: the real one may lie outside the grant,
  // which the caller reports as a PermissionError naming it.
  const info = Deno.statSync(path);
  const dir = Deno.realPathSync(path);
  if (!info.isDirectory) {
    throw new SecurityError("the vault path is not a directory");
  }
  checkMode(info, "the vault directory", dir);
  return dir;
}

/** Who owns a vault, and whether this process can write in it. */
export interface VaultOwnership {
  /** The user id its files must have (`null` on Windows). */
  owner: Owner;
  /**
   * Whether a file can be made in the directory: `false` on read-only
   * media or a directory without write permission, where the vault can
   * still be read.
   */
  writable: boolean;
}

/**
 * The user every file of the vault directory `dir` must belong to: this
 * process's, learnt by creating a file there. A directory owned by anyone
 * else is a {@linkcode SecurityError}. Where no file can be made (read-only
 * media, no write permission), the directory's own owner, and `writable`
 * is `false`.
 */
export function vaultOwner(dir: string): VaultOwnership {
  let owner: Owner;
  try {
    owner = probeOwner(dir);
  } catch (error) {
    const readOnly = error instanceof Deno.errors.PermissionDenied ||
      (error as { code?: unknown }).code === "EROFS";
    if (!readOnly) throw error;
    return { owner: directoryOwner(dir), writable: false };
  }
  checkOwner(Deno.lstatSync(dir), owner, "the vault directory");
  return { owner, writable: true };
}

/**
 * The user every file of the vault directory `dir` must belong to when the
 * engine only reads it (a recovery): the directory's own owner, learnt
 * without writing anything.
 */
export function directoryOwner(dir: string): Owner {
  return isPosix ? Deno.lstatSync(dir).uid : null;
}

/**
 * Reads a vault file whole, or returns an empty array when it is missing:
 * how a recovery reads the database and its WAL without SQLite, which
 * would write to both.
 */
export function readVaultFile(path: string): Uint8Array {
  try {
    return Deno.readFileSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return new Uint8Array();
    throw error;
  }
}

/**
 * Checks one vault file and returns what `lstat` says of it, or `null` when
 * it is missing. A symlink, anything but a regular file, a file with more
 * than one hard link (it would survive `destroy()` elsewhere), another
 * owner, or group/other access is a {@linkcode SecurityError}.
 */
export function inspectVaultFile(
  path: string,
  owner: Owner,
): Deno.FileInfo | null {
  const info = lstatOrNull(path);
  if (info === null) return null;
  const name = path.split(/[\\/]/).pop() ?? path;
  if (info.isSymlink) {
    throw new SecurityError(`${name} is a symlink; vault files never are`);
  }
  if (!info.isFile) throw new SecurityError(`${name} is not a regular file`);
  if (isPosix && info.nlink !== null && info.nlink > 1) {
    throw new SecurityError(
      `${name} has ${info.nlink} hard links: another path shares its contents`,
    );
  }
  checkMode(info, name, path);
  checkOwner(info, owner, name);
  return info;
}

/**
 * Reads a small vault file, refusing (with `null`) anything that is not a
 * regular file of at most `maxBytes` at the moment it is opened: a FIFO
 * swapped in would block the read forever, a huge file would be read whole.
 */
export function readSmallFile(
  path: string,
  maxBytes: number,
): Uint8Array | null {
  const before = lstatOrNull(path);
  if (before === null || !before.isFile || before.size > maxBytes) return null;
  using file = Deno.openSync(path, { read: true });
  const info = file.statSync();
  if (!info.isFile || info.ino !== before.ino || info.size > maxBytes) {
    return null;
  }
  const data = new Uint8Array(info.size);
  for (let done = 0; done < data.length;) {
    const n = file.readSync(data.subarray(done));
    if (n === null) return null;
    done += n;
  }
  return data;
}

/**
 * Creates `path` with `mode` from the first byte on, failing if it exists,
 * so no other process ever sees it with looser permissions.
 */
export function createExclusive(
  path: string,
  mode: number,
  data: Uint8Array = new Uint8Array(),
): void {
  using file = Deno.openSync(path, { write: true, createNew: true, mode });
  for (let done = 0; done < data.length;) {
    done += file.writeSync(data.subarray(done));
  }
  file.syncSync();
}

/**
 * Makes a new vault directory's name durable by syncing its parent, when
 * this process may read the parent: under `--allow-read=<vault>` alone it
 * may not, and a power cut in the moments after creation can then take
 * the new directory with it (the README says so).
 */
function syncParent(path: string): void {
  const parent = dirname(resolve(path));
  const access = Deno.permissions.querySync({ name: "read", path: parent });
  if (access.state === "granted") syncDir(parent);
}

/** Makes a rename or removal in `dir` durable. */
export function syncDir(dir: string): void {
  if (!isPosix) return;
  using handle = Deno.openSync(dir, { read: true });
  handle.syncSync();
}

/**
 * Replaces `dir/name` with `data` atomically: a temporary file in the same
 * directory, fsync, rename, fsync of the directory. A crash leaves the old
 * file or the new one, never a mix.
 */
export function writeAtomic(
  dir: string,
  name: string,
  data: Uint8Array,
  mode: number,
): void {
  const temp = join(dir, `${name}.${randomSuffix()}.tmp`);
  try {
    createExclusive(temp, mode, data);
    Deno.renameSync(temp, join(dir, name));
  } catch (error) {
    removeIfPresent(temp);
    throw error;
  }
  syncDir(dir);
}

/** Removes `path`; one already gone is fine. */
export function removeIfPresent(path: string): void {
  try {
    Deno.removeSync(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}
