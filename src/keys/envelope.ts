/**
 * Envelope keys: making a new vault's keyfile, salt and data key, and
 * unwrapping the data key of an existing one. The data key is wrapped by a
 * key-encryption key derived (scrypt) from the keyfile and the binding
 * factors, so changing what unlocks a vault never means re-encrypting it.
 *
 * Format 2 binds every field that shapes the unwrap (format, KDF name and
 * parameters, salt, factors) into the wrap's additional data; format 1
 * bound only its version and is rewrapped on first open.
 *
 * A new keyfile is written as `.keyfile.pending` and renamed to `.keyfile`
 * only once the transaction that wraps the data key under it has committed:
 * a `.keyfile` therefore always belongs to a committed vault and is never
 * overwritten, and a crash during creation leaves only a pending keyfile
 * beside an empty database, which the next open creates anew.
 *
 * @module
 */

import { join } from "node:path";
import {
  decrypt,
  DEFAULT_KDF,
  deriveKek,
  deriveSubKeys,
  encrypt,
  KEY_BYTES,
  randomBytes,
} from "../crypto.ts";
import { IntegrityError, KeyMismatchError } from "../errors.ts";
import {
  inspectVaultFile,
  KEYFILE_MODE,
  type Owner,
  readSmallFile,
  syncDir,
  VAULT_FILES,
  writeAtomic,
} from "../storage/vault_files.ts";
import { type BindingFactor, readFactors, recordedFactors } from "./factors.ts";
import { encodeIntegrity } from "../storage/integrity.ts";
import {
  FORMAT_VERSION,
  isEmpty,
  readMeta,
  SCHEMA,
  type VaultMeta,
  writeMeta,
  writeWrappedKey,
} from "../storage/schema.ts";
import type { Store } from "../storage/store.ts";

const encoder = new TextEncoder();
const LEGACY_FORMAT = 1;

/** The wrap's additional data: every field that shapes the unwrap. */
function wrapAad(meta: VaultMeta): Uint8Array {
  if (meta.format === LEGACY_FORMAT) {
    return encoder.encode(`@scope/secrets data key v${LEGACY_FORMAT}`);
  }
  const { N, r, p } = meta.kdf;
  const salt = btoa(String.fromCharCode(...meta.salt));
  const fields = [meta.format, "scrypt", N, r, p, salt, meta.factors];
  return encoder.encode(`@scope/secrets data key\0${JSON.stringify(fields)}`);
}

function kekSecret(
  keyfile: Uint8Array,
  factors: readonly BindingFactor[],
): Uint8Array {
  const facts = readFactors(factors);
  const secret = new Uint8Array(keyfile.length + facts.length);
  secret.set(keyfile);
  secret.set(facts, keyfile.length);
  return secret;
}

async function deriveWrappingKey(
  keyfile: Uint8Array,
  meta: VaultMeta,
  factors: readonly BindingFactor[],
): Promise<Uint8Array> {
  const secret = kekSecret(keyfile, factors);
  try {
    return await deriveKek(secret, meta.salt, meta.kdf);
  } finally {
    secret.fill(0);
  }
}

/** An open vault's meta record and its unwrapped data key. */
export interface Unlocked {
  /** The meta record, as of the end of the open (after any upgrade). */
  meta: VaultMeta;
  /** The data key; the caller zeroes it once the sub-keys are derived. */
  dek: Uint8Array;
}

/**
 * Creates the vault in an empty database. The pending keyfile is written
 * under the write lock, so two processes creating one vault at once agree
 * on it. Resolves to `null` when another process created the vault first:
 * unlock it instead.
 */
export async function createVault(
  store: Store,
  dir: string,
  factors: BindingFactor[],
): Promise<Unlocked | null> {
  const keyfile = randomBytes(KEY_BYTES);
  const dek = randomBytes(KEY_BYTES);
  const meta: VaultMeta = {
    format: FORMAT_VERSION,
    kdf: DEFAULT_KDF,
    salt: randomBytes(KEY_BYTES),
    factors,
    wrappedKey: new Uint8Array(),
  };
  const kek = await deriveWrappingKey(keyfile, meta, factors);
  meta.wrappedKey = encrypt(kek, dek, wrapAad(meta));
  kek.fill(0);
  const integrity = encodeIntegrity(deriveSubKeys(dek).tag, {
    x: new Uint8Array(KEY_BYTES),
    count: 0,
  });
  try {
    const created = store.transaction(() => {
      if (!isEmpty(store)) return false;
      writeAtomic(dir, VAULT_FILES.pendingKeyfile, keyfile, KEYFILE_MODE);
      store.exec(SCHEMA.join(";"));
      writeMeta(store, meta, integrity);
      return true;
    });
    if (!created) {
      dek.fill(0);
      return null;
    }
  } finally {
    keyfile.fill(0);
  }
  promotePendingKeyfile(dir);
  return { meta, dek };
}

/** Renames the committed vault's pending keyfile into place, if still pending. */
function promotePendingKeyfile(dir: string): void {
  try {
    Deno.renameSync(
      join(dir, VAULT_FILES.pendingKeyfile),
      join(dir, VAULT_FILES.keyfile),
    );
    syncDir(dir);
  } catch (error) {
    // Another process opening the new vault promoted it first.
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
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
 * The keyfile to unlock with: `.keyfile`, or a pending keyfile whose
 * creating transaction committed but whose rename did not happen (a crash,
 * or another process still creating).
 */
function findKeyfile(
  dir: string,
  owner: Owner,
): { keyfile: Uint8Array; pending: boolean } {
  const keyfile = readKeyfile(join(dir, VAULT_FILES.keyfile), owner);
  if (keyfile !== null) return { keyfile, pending: false };
  const pending = readKeyfile(join(dir, VAULT_FILES.pendingKeyfile), owner);
  if (pending !== null) return { keyfile: pending, pending: true };
  throw new KeyMismatchError(
    "the keyfile is missing: this vault cannot be decrypted without it",
  );
}

/**
 * Rewraps a format-1 data key with format 2's bound additional data, in one
 * transaction; a concurrent open that upgraded first wins.
 */
function upgrade(
  store: Store,
  meta: VaultMeta,
  kek: Uint8Array,
  dek: Uint8Array,
): VaultMeta {
  return store.transaction(() => {
    const current = readMeta(store);
    if (current.format !== LEGACY_FORMAT) return current;
    const upgraded = { ...meta, format: FORMAT_VERSION };
    upgraded.wrappedKey = encrypt(kek, dek, wrapAad(upgraded));
    writeWrappedKey(store, upgraded);
    return upgraded;
  });
}

/**
 * Unwraps the data key of an existing vault, upgrading a format-1 vault
 * unless `readOnly`. A missing, wrong-sized or replaced keyfile, changed
 * binding factors, or a changed meta field, is {@linkcode KeyMismatchError};
 * a factor whose permission is missing is a `PermissionError` naming it.
 */
export async function unlockVault(
  store: Store,
  dir: string,
  owner: Owner,
  readOnly = false,
): Promise<Unlocked> {
  const meta = readMeta(store);
  const factors = recordedFactors(meta.factors);
  if (factors === null) {
    throw new IntegrityError("the meta table names an unknown binding factor");
  }
  const { keyfile, pending } = findKeyfile(dir, owner);
  const kek = await deriveWrappingKey(keyfile, meta, factors);
  keyfile.fill(0);
  try {
    const dek = decrypt(kek, meta.wrappedKey, wrapAad(meta));
    if (dek === null) {
      throw new KeyMismatchError(
        "the data key does not unwrap: the machine identity changed, the keyfile was replaced, or the key record was altered",
      );
    }
    if (pending && !readOnly) promotePendingKeyfile(dir);
    const current = meta.format === LEGACY_FORMAT && !readOnly
      ? upgrade(store, meta, kek, dek)
      : meta;
    return { meta: current, dek };
  } finally {
    kek.fill(0);
  }
}
