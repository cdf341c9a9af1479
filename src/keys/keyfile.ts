/**
 * The keyfile: the machine slot's secret, 32 random bytes beside the
 * database. A new keyfile is written as `.keyfile.pending`, under the write
 * lock and before the transaction that makes a machine slot for it; it
 * replaces `.keyfile` only once that transaction has committed, again
 * under the write lock. So whatever instant a crash hits, one of the two
 * files opens the machine slot the database holds, and `.keyfile` is never
 * replaced by a key no committed slot uses.
 *
 * @module
 */

import { join } from "node:path";
import { equalBytes, KEY_BYTES } from "../crypto.ts";
import { KeyMismatchError } from "../errors.ts";
import type { Store } from "../storage/store.ts";
import {
  inspectVaultFile,
  KEYFILE_MODE,
  type Owner,
  readSmallFile,
  syncDir,
  VAULT_FILES,
  writeAtomic,
} from "../storage/files.ts";

/** A keyfile read from disk, and which of the two files held it. */
export interface FoundKeyfile {
  /** The 32 bytes. */
  bytes: Uint8Array;
  /** Whether it is `.keyfile.pending`, not yet promoted. */
  pending: boolean;
}

/** Reads a keyfile, checking its size before reading a byte. */
function readKeyfile(path: string, owner: Owner): Uint8Array | null {
  const info = inspectVaultFile(path, owner);
  if (info === null) return null;
  const keyfile = info.size === KEY_BYTES
    ? readSmallFile(path, KEY_BYTES)
    : null;
  if (keyfile === null || keyfile.length !== KEY_BYTES) {
    throw new KeyMismatchError(
      `the keyfile holds ${info.size} bytes, not ${KEY_BYTES}: it was replaced or damaged`,
    );
  }
  return keyfile;
}

/**
 * The keyfiles present, `.keyfile` first: a pending one may be the key of
 * a committed machine slot whose promotion a crash cut short.
 */
export function findKeyfiles(dir: string, owner: Owner): FoundKeyfile[] {
  const found: FoundKeyfile[] = [];
  for (
    const [name, pending] of [[VAULT_FILES.keyfile, false], [
      VAULT_FILES.pendingKeyfile,
      true,
    ]] as const
  ) {
    const bytes = readKeyfile(join(dir, name), owner);
    if (bytes !== null) found.push({ bytes, pending });
  }
  return found;
}

/**
 * Writes a new keyfile as `.keyfile.pending`, synced; call under the write
 * lock, in the transaction that makes its machine slot.
 */
export function writePendingKeyfile(dir: string, keyfile: Uint8Array): void {
  writeAtomic(dir, VAULT_FILES.pendingKeyfile, keyfile, KEYFILE_MODE);
}

/**
 * Renames `.keyfile.pending` over `.keyfile` if it still holds `keyfile`
 * (which a committed machine slot uses); call under the write lock.
 */
export function promotePending(dir: string, keyfile: Uint8Array): void {
  const pending = join(dir, VAULT_FILES.pendingKeyfile);
  const current = inspectVaultFile(pending, null) === null
    ? null
    : readSmallFile(pending, KEY_BYTES);
  if (current === null || !equalBytes(current, keyfile)) return;
  Deno.renameSync(pending, join(dir, VAULT_FILES.keyfile));
  syncDir(dir);
}

/**
 * {@linkcode promotePending} under the write lock: another process may
 * have promoted the keyfile already, or begun a newer rebind.
 */
export function promoteKeyfile(
  store: Store,
  dir: string,
  keyfile: Uint8Array,
): void {
  store.transaction(() => promotePending(dir, keyfile));
}

/** Removes both keyfiles, once no machine slot uses them; call under the write lock. */
export function removeKeyfiles(dir: string): void {
  for (const name of [VAULT_FILES.keyfile, VAULT_FILES.pendingKeyfile]) {
    try {
      Deno.removeSync(join(dir, name));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  syncDir(dir);
}
