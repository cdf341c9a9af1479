/**
 * An open vault's integrity state over its life: settling it on open (the
 * sealed fast path, or full verification and a new seal), sealing it on
 * close when the engine can vouch for it, and closing or destroying it; and
 * removing a vault that does not open.
 *
 * @module
 */

import { join } from "node:path";
import { equalBytes } from "../crypto.ts";
import {
  InitializationError,
  IntegrityError,
  SecretsEngineError,
} from "../errors.ts";
import { translateOsError } from "../storage/failures.ts";
import { checkLocation, resolveVaultPath } from "../storage/location.ts";
import {
  checkVaultDir,
  READ_WRITE,
  requireVaultAccess,
} from "../storage/permissions.ts";
import { markDestroyed } from "../storage/entry_table.ts";
import { checkStillOpen, verifyVault } from "../storage/integrity.ts";
import { destroyedMac } from "../storage/macs.ts";
import { hashDatabase, readSeal, writeSeal } from "../storage/seal.ts";
import { tryCheckpoint } from "../storage/store.ts";
import { inspectVaultFile, pathExists, VAULT_FILES } from "../storage/files.ts";
import { removeVaultFiles } from "../storage/removal.ts";
import { scanWal, type WalScan } from "../storage/wal.ts";
import type { OpenedVault } from "./opened.ts";
import type { LocationOptions } from "../types.ts";

/** What settling and sealing need of an open vault. */
type Sealable = Pick<
  OpenedVault,
  "store" | "table" | "keys" | "dir" | "database" | "format"
>;

/**
 * Checkpoints and hashes `store.db`; `null` when the checkpoint was partial,
 * the disk is full, or the file is not the one SQLite opened.
 */
function sealable(vault: Sealable): Uint8Array | null {
  if (!tryCheckpoint(vault.store)) return null;
  const path = join(vault.dir, VAULT_FILES.database);
  return hashDatabase(vault.keys.seal, path, vault.database);
}

/** Writes the seal unless the disk refuses: it only saves a verification. */
function trySeal(vault: Sealable, seal: Uint8Array): void {
  try {
    writeSeal(vault.dir, seal, vault.format);
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) throw error;
  }
}

/**
 * Refuses a WAL that goes on past a damaged frame: SQLite would read it as
 * ending there, and the checkpoint after verification would then drop the
 * acknowledged writes behind the damage for good. Read under the write
 * lock, so no writer is appending to it meanwhile.
 */
function checkWal(vault: Sealable): void {
  const path = join(vault.dir, VAULT_FILES.wal);
  refuseHiddenCommits(
    vault.store.transaction(() => scanWal(path)),
  );
}

function refuseHiddenCommits(scan: WalScan): void {
  if (scan.commitsAfterDamage > 0) {
    throw new IntegrityError(
      `store.db-wal is damaged, and ${scan.commitsAfterDamage} committed write(s) after the damage would be lost by opening it; a recovery reads them, changes no file, and can back them up`,
      { remedy: { kind: "recover" } },
    );
  }
}

/** Whether the WAL holds nothing, as after every checkpoint the engine runs. */
function walIsEmpty(dir: string): boolean {
  const info = inspectVaultFile(join(dir, VAULT_FILES.wal), null);
  return info === null || info.size === 0;
}

/**
 * Open's integrity step: a database with an empty WAL that matches its
 * seal is exactly as last closed; anything else (an unclean exit, another
 * process writing, tampering) is verified in full before any checkpoint,
 * so a vault that fails keeps its WAL as it was, and, if it holds, is
 * sealed anew. Returns whether the seal matched.
 */
export function settle(vault: Sealable): boolean {
  if (walIsEmpty(vault.dir)) {
    const path = join(vault.dir, VAULT_FILES.database);
    const current = hashDatabase(vault.keys.seal, path, vault.database);
    const seal = readSeal(vault.dir);
    if (current && seal && equalBytes(current, seal)) return true;
  } else checkWal(vault);
  const version = vault.store.dataVersion();
  verifyVault(vault.store, vault.keys);
  const current = sealable(vault);
  if (current && vault.store.dataVersion() === version) trySeal(vault, current);
  return false;
}

/**
 * The integrity step of a vault opened read-only from its files (`wal` is
 * what the image was built from): the sealed fast path when there is no
 * WAL and the file matches its seal, else full verification of the image.
 * Returns whether the seal matched.
 */
export function settleImage(vault: Sealable, wal: WalScan): boolean {
  if (wal.commits === 0 && wal.damaged.length === 0) {
    const path = join(vault.dir, VAULT_FILES.database);
    const current = hashDatabase(vault.keys.seal, path, vault.database);
    const seal = readSeal(vault.dir);
    if (current && seal && equalBytes(current, seal)) return true;
  }
  refuseHiddenCommits(wal);
  verifyVault(vault.store, vault.keys);
  return false;
}

/**
 * Close's seal, written only when no other connection committed while the
 * file was hashed and the vault was not destroyed meanwhile.
 */
function sealIfStable(vault: Sealable): void {
  if (vault.table.meta.destroyedMarker() !== null) return;
  const version = vault.store.dataVersion();
  const current = sealable(vault);
  if (current && vault.store.dataVersion() === version) trySeal(vault, current);
}

/** Whether nothing was committed since an open that found the seal valid. */
function stillSealed({ asSealed, store }: OpenedVault): boolean {
  return asSealed !== null && asSealed.version === store.dataVersion() &&
    asSealed.changes === store.changes();
}

/**
 * Seals the vault before its engine closes, when the engine can vouch for
 * it: it met no damage and may write, and the file changed since the seal
 * the open found (a read-only session leaves the file, and its seal, as they
 * were). A seal that fails is ignored: it only
 * lets the next open skip full verification, so it must not fail a close.
 */
export function sealBeforeClose(vault: OpenedVault, damaged: boolean): void {
  if (damaged || vault.readOnly || stillSealed(vault)) return;
  try {
    sealIfStable(vault);
  } catch {
    // Nothing is lost: the next open verifies in full.
  }
}

/**
 * Closes the vault's connection and zeroes its sub-keys: best effort in
 * JavaScript, where strings and the engine's internal copies cannot be
 * wiped, but no key stays readable in the buffers the engine owns.
 */
export function closeVault(vault: OpenedVault): void {
  vault.store.close();
  vault.names.clear();
  const { dek, kek, copySecret } = vault.unlocked;
  for (const key of [dek, kek, copySecret, ...Object.values(vault.keys)]) {
    key?.fill(0);
  }
}

/**
 * Empties the vault and marks it destroyed in one transaction, closes it,
 * and removes its files. Until the marker is in `store.db` itself (a full
 * checkpoint), the WAL must outlive it, so the database files then stay for
 * the next open to remove. A vault opened for recovery is read-only: its
 * files are wiped and removed as {@linkcode removeVault} does.
 */
export function destroyVault(vault: OpenedVault): void {
  const { store, table, dir } = vault;
  if (vault.readOnly && vault.recovery === null) {
    throw new InitializationError(
      "the vault is on storage this process cannot write: nothing was destroyed",
    );
  }
  if (vault.recovery !== null) {
    closeVault(vault);
    removeVaultFiles(dir, { wipe: true });
    return;
  }
  store.transaction(() => {
    checkStillOpen(table, vault.keys);
    markDestroyed(store, destroyedMac(vault.keys));
  });
  const complete = tryCheckpoint(store);
  closeVault(vault);
  removeVaultFiles(dir, { keepDatabase: !complete });
}

/**
 * Removes the vault the options name without opening it: its keyfile,
 * database and WAL overwritten with zeros, then every file the engine owns,
 * then the directory if nothing else is in it. For a vault that no longer
 * opens (its keyfile lost and no other slot, a destroy by 0.2 that was
 * interrupted); the same checks as an open refuse a vault of symlinks,
 * loose modes or another owner. Resolves to whether there was a vault.
 */
export function removeVault(options: LocationOptions): boolean {
  try {
    checkLocation(options);
    const path = resolveVaultPath(options);
    requireVaultAccess(path, READ_WRITE);
    if (!pathExists(path)) return false;
    const { dir, owner, writable } = checkVaultDir(path, READ_WRITE);
    if (!writable) {
      throw new InitializationError(
        `${dir} cannot be written (read-only storage, or no write permission): nothing was removed`,
      );
    }
    const found = Object.values(VAULT_FILES).filter((name) =>
      inspectVaultFile(join(dir, name), owner) !== null
    );
    if (found.length === 0) return false;
    removeVaultFiles(dir, { wipe: true });
    return true;
  } catch (error) {
    if (error instanceof SecretsEngineError) throw error;
    throw translateOsError(error);
  }
}
