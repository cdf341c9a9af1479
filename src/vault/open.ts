/**
 * Opening a vault: checking the permissions, the directory and every file
 * in it (`open_options.ts` checks the options); creating or unlocking;
 * finishing a destroy that was interrupted; opening from the files alone
 * for a recovery or on read-only storage; and settling integrity (the
 * sealed fast path, or full verification and a new seal).
 *
 * @module
 */

import { join } from "node:path";
import { settle, settleImage } from "./close.ts";
import {
  InitializationError,
  IntegrityError,
  SecretsEngineError,
  ValidationError,
  VaultNotFoundError,
} from "../errors.ts";
import { type Unlocked, unlockVault } from "../keys/unlock.ts";
import { createVault, type VaultSeed } from "./create.ts";
import { upgradeVault } from "./upgrade.ts";
import { entryTable } from "../storage/entry_table.ts";
import { destroyedMarker } from "../storage/meta_table.ts";
import { translateOsError } from "../storage/failures.ts";
import { surveyVault } from "./recover.ts";
import { checkSchema, isEmpty } from "../storage/schema.ts";
import { readFormat, readKeyCheck } from "../storage/meta_table.ts";
import { verifyDestroyedMarker } from "../storage/integrity.ts";
import {
  openImage,
  openStore,
  openWalGuard,
  type Store,
} from "../storage/store.ts";
import {
  type CheckedOptions,
  checkOptions,
  type OpenOptions,
} from "./open_options.ts";
import { rewriteIfMarked } from "../storage/rewrite.ts";
import { databaseImage } from "../storage/wal.ts";
import { readVaultFile, VAULT_FILES } from "../storage/files.ts";
import { removeVaultFiles } from "../storage/removal.ts";
import {
  type CheckedVault,
  checkedVault,
  checkEmptyDatabase,
} from "./open_files.ts";
import { withWayOut } from "./guard.ts";
import type { OpenedVault } from "./opened.ts";
import { vaultNames } from "./names.ts";

/** A vault opened and settled, before its names are set up. */
type Settled = Omit<OpenedVault, "names">;

/**
 * The destroyed marker of a non-empty vault, refused up front when the
 * vault keeps no key check to verify it against (a destroy by 0.2, whose
 * marker was a constant, was interrupted; or the marker was planted).
 */
function markerToCheck(store: Store): Uint8Array | null {
  const marker = destroyedMarker(store);
  if (marker !== null && readKeyCheck(store) === null) {
    throw new IntegrityError(
      "store.db carries a destroyed marker but no key to check it against, and nothing was deleted; if you destroyed this vault",
      { remedy: { kind: "destroy-vault" } },
    );
  }
  return marker;
}

function forget(unlocked: Unlocked): void {
  const { dek, kek, copySecret, keys } = unlocked;
  for (const key of [dek, kek, copySecret, ...Object.values(keys)]) {
    key?.fill(0);
  }
}

/** The part of an opened vault that does not depend on how it was settled. */
type Unsettled = Omit<
  Settled,
  "openedSealed" | "asSealed" | "recovery" | "readOnly" | "created"
>;

function opened(
  dir: string,
  store: Store,
  unlocked: Unlocked,
  database: Deno.FileInfo,
  checked: CheckedOptions,
): Unsettled {
  return {
    dir,
    store,
    table: entryTable(store, unlocked.format),
    keys: unlocked.keys,
    format: unlocked.format,
    busyTimeoutMs: checked.busyTimeoutMs,
    unlocked,
    database,
  };
}

/**
 * An open that only reads: a recovery (`recover`), or a vault on storage
 * this process cannot write. The database and its WAL are read as files
 * and opened from memory, so no byte of any vault file changes (SQLite
 * would write the `-shm` file and checkpoint the WAL) and read-only media
 * work. A recovery surveys what it finds, reading even the commits a
 * damaged WAL frame would hide from SQLite; a read-only open must verify,
 * as any open must.
 */
async function openFromFiles(
  { dir, owner, files }: CheckedVault,
  checked: CheckedOptions,
): Promise<Settled> {
  const { image, wal } = databaseImage(
    readVaultFile(join(dir, VAULT_FILES.database)),
    join(dir, VAULT_FILES.wal),
  );
  const store = openImage(image);
  try {
    if (isEmpty(store)) throw new VaultNotFoundError(dir);
    if (!checked.recover) checkSchema(store, readFormat(store));
    const request = { ...checked, recover: true };
    const unlocked = await unlockVault(store, dir, owner, request);
    const vault = {
      ...opened(dir, store, unlocked, files.database, checked),
      readOnly: true,
    };
    if (!checked.recover) {
      const marker = markerToCheck(store);
      if (marker !== null && verifyDestroyedMarker(marker, unlocked.keys)) {
        throw new InitializationError(
          "the vault was destroyed, and its files cannot be removed from read-only storage",
        );
      }
      return {
        ...vault,
        openedSealed: settleImage(vault, wal),
        asSealed: null,
        recovery: null,
        created: false,
      };
    }
    return {
      ...vault,
      openedSealed: false,
      asSealed: null,
      recovery: surveyVault(vault, wal),
      created: false,
    };
  } catch (error) {
    store.close();
    throw error;
  }
}

async function openOnce(
  options: OpenOptions,
  checked: CheckedOptions,
  seed: VaultSeed | undefined,
): Promise<Settled | "destroyed"> {
  const found = checkedVault(options, checked);
  if (checked.recover || !found.writable) {
    return await openFromFiles(found, checked);
  }
  const { dir, owner, files } = found;
  const { database, present } = files;
  const path = join(dir, VAULT_FILES.database);
  const store = openStore(path, checked);
  let guard: Store;
  try {
    guard = openWalGuard(path, checked);
  } catch (error) {
    store.close();
    throw error;
  }
  try {
    const empty = isEmpty(store);
    if (empty) checkEmptyDatabase(present);
    if (empty && !checked.create) throw new VaultNotFoundError(dir);
    // One snapshot: another process's upgrade may commit between reading
    // the format and reading the schema.
    if (!empty) store.snapshot(() => checkSchema(store, readFormat(store)));
    const marker = empty ? null : markerToCheck(store);
    // A vault marked destroyed is only read: no upgrade, no keyfile moved.
    const request = marker === null ? checked : { ...checked, recover: true };
    if (!empty && seed !== undefined) {
      throw new ValidationError(
        `${dir} already holds a vault: clone into a new directory`,
      );
    }
    const made = empty ? await createVault(store, dir, checked, seed) : null;
    const unlocked = made ?? await unlockVault(store, dir, owner, request);
    if (marker !== null) {
      try {
        verifyDestroyedMarker(marker, unlocked.keys);
      } finally {
        forget(unlocked);
      }
      store.close();
      guard.close();
      removeVaultFiles(dir);
      return "destroyed";
    }
    const current = upgradeVault(store, unlocked, checked.historyLimit);
    const vault = opened(dir, store, current, database, checked);
    const openedSealed = settle(vault);
    // A slot change or rotation that crashed before its rewrite.
    rewriteIfMarked(store);
    const asSealed = openedSealed
      ? { version: store.dataVersion(), changes: store.changes() }
      : null;
    return {
      ...vault,
      readOnly: false,
      openedSealed,
      asSealed,
      recovery: null,
      created: made !== null,
    };
  } catch (error) {
    // The guard still holds its lock, so this close cannot checkpoint the
    // WAL of a vault that failed to open into its database or delete it.
    store.close();
    throw error;
  } finally {
    guard.close();
  }
}

/** `vault` with its names; a recovery keeps what decrypts of them. */
function withNames(vault: Settled): OpenedVault {
  const lenient = vault.recovery !== null;
  return { ...vault, names: vaultNames({ ...vault, lenient }) };
}

/**
 * Opens (or creates) the vault the options name; with `seed`, creates it
 * from those keys (a clone) and refuses a vault already there. A vault whose destroy was
 * interrupted is removed first, and then counts as no vault. Every error is
 * a {@linkcode SecretsEngineError}.
 */
export async function openVault(
  options: OpenOptions,
  seed?: VaultSeed,
): Promise<OpenedVault> {
  try {
    const checked = checkOptions(options);
    const opened = await openOnce(options, checked, seed);
    if (opened !== "destroyed") return withNames(opened);
    const again = await openOnce(options, checked, seed);
    if (again !== "destroyed") return withNames(again);
    throw new InitializationError("the vault is being destroyed meanwhile");
  } catch (error) {
    throw withWayOut(
      error instanceof SecretsEngineError ? error : translateOsError(error),
    );
  }
}
