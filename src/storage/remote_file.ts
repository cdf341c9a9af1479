/**
 * `remote.json`, beside `store.db`: which remote this copy of the vault
 * syncs with, as its address without a password. It belongs to this copy
 * (a copy taken elsewhere sets its own) and holds nothing secret; what
 * comes from the remote is trusted only as far as its MACs prove.
 *
 * @module
 */

import { join } from "node:path";
import { IntegrityError } from "../errors.ts";
import {
  FILE_MODE,
  inspectVaultFile,
  lstatOrNull,
  readSmallFile,
  removeIfPresent,
  VAULT_FILES,
  writeAtomic,
} from "./files.ts";
import type { Owner } from "./files.ts";

const MAX_REMOTE_FILE_BYTES = 4096;

/** Reads `remote.json` as JSON, or `null` when there is none. */
export function readRemoteFile(dir: string, owner: Owner): unknown {
  const path = join(dir, VAULT_FILES.remote);
  if (inspectVaultFile(path, owner) === null) return null;
  const bytes = readSmallFile(path, MAX_REMOTE_FILE_BYTES);
  if (bytes === null) {
    throw new IntegrityError(
      `${VAULT_FILES.remote} is not a small regular file`,
    );
  }
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new IntegrityError(`${VAULT_FILES.remote} is not JSON`);
  }
}

/** Replaces `remote.json` with `value`, atomically, mode 0600. */
export function writeRemoteFile(dir: string, value: unknown): void {
  const bytes = new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);
  writeAtomic(dir, VAULT_FILES.remote, bytes, FILE_MODE);
}

/** Removes `remote.json`; returns whether there was one. */
export function removeRemoteFile(dir: string): boolean {
  const path = join(dir, VAULT_FILES.remote);
  const had = lstatOrNull(path) !== null;
  removeIfPresent(path);
  return had;
}
