/**
 * Removing a vault's files: exactly the engine's own, in an order that an
 * interruption cannot turn into a vault that neither opens nor destroys,
 * overwritten with zeros first when the vault was never opened to empty it.
 *
 * @module
 */

import { join } from "node:path";
import {
  FILE_MODE,
  lstatOrNull,
  removeIfPresent,
  syncDir,
  TEMP_FILE,
  VAULT_FILES,
} from "./files.ts";

const isPosix = Deno.build.os !== "windows";

/**
 * The order `destroy` removes files in: the database goes before the
 * keyfile, so that an interruption leaves either a database whose
 * destroyed marker the keyfile's slot can still check (the next open
 * finishes the job) or a keyfile alone, which opens nothing and which
 * {@linkcode removeVaultFiles} (`SecretsEngine.destroyVault`) removes.
 */
const REMOVAL_ORDER = [
  VAULT_FILES.remote,
  VAULT_FILES.seal,
  VAULT_FILES.wal,
  VAULT_FILES.shm,
  VAULT_FILES.database,
  VAULT_FILES.pendingKeyfile,
  VAULT_FILES.keyfile,
];

/** The files that hold key material or secrets, overwritten before removal. */
const WIPED: ReadonlySet<string> = new Set([
  VAULT_FILES.keyfile,
  VAULT_FILES.pendingKeyfile,
  VAULT_FILES.database,
  VAULT_FILES.wal,
]);
const WIPE_CHUNK = 1 << 16;

/**
 * Overwrites a vault file with zeros, in place and synced, before it is
 * removed: without its key, what an interrupted removal or the
 * filesystem's free blocks keep of it is useless. (A journaling or
 * copy-on-write filesystem, or an SSD, may still keep the old blocks.)
 */
function wipe(path: string): void {
  const info = lstatOrNull(path);
  if (info === null || !info.isFile || info.size === 0) return;
  if (isPosix) Deno.chmodSync(path, FILE_MODE);
  using file = Deno.openSync(path, { write: true });
  const zeros = new Uint8Array(Math.min(WIPE_CHUNK, info.size));
  for (let done = 0; done < info.size;) {
    done += file.writeSync(zeros.subarray(0, info.size - done));
  }
  file.syncSync();
}

/** How {@linkcode removeVaultFiles} removes. */
export interface RemoveOptions {
  /**
   * Keep the database, its WAL and the keyfile: the destroyed marker is
   * still only in the WAL, and the next open must find and check it.
   */
  keepDatabase?: boolean;
  /**
   * Overwrite the keyfile, database and WAL with zeros first: for a vault
   * removed without being opened, whose entries were never deleted.
   */
  wipe?: boolean;
}

/**
 * Removes the vault's own files, database before keyfile (and the
 * temporary files its writes left behind), then the directory if that
 * left it empty. A file the engine did not create survives, and so does
 * the directory holding it. A file already gone is fine: this finishes an
 * interrupted run.
 */
export function removeVaultFiles(
  dir: string,
  options: RemoveOptions = {},
): void {
  const names = options.keepDatabase ? [VAULT_FILES.seal] : REMOVAL_ORDER;
  for (const name of names) {
    const path = join(dir, name);
    if (options.wipe && WIPED.has(name)) wipe(path);
    removeIfPresent(path);
  }
  let othersRemain = false;
  for (const entry of Deno.readDirSync(dir)) {
    if (entry.isFile && TEMP_FILE.test(entry.name)) {
      removeIfPresent(join(dir, entry.name));
    } else {
      othersRemain = true;
    }
  }
  if (!othersRemain) removeIfPresent(dir);
  else syncDir(dir);
}
