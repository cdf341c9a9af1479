/**
 * Envelope keys: making a new vault's keyfile, salt and data key, and
 * unwrapping the data key of an existing one. The data key is wrapped by a
 * key-encryption key derived (scrypt) from the keyfile and the binding
 * factors, so changing what unlocks a vault never means re-encrypting it.
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
} from "./crypto.ts";
import { KeyMismatchError } from "./errors.ts";
import {
  inspectVaultFile,
  KEYFILE_MODE,
  VAULT_FILES,
  writeAtomic,
} from "./fs.ts";
import { type BindingFactor, readFactors } from "./identity.ts";
import { encodeIntegrity } from "./integrity.ts";
import {
  checkSchema,
  FORMAT_VERSION,
  isEmpty,
  readMeta,
  SCHEMA,
  type VaultMeta,
  writeMeta,
} from "./schema.ts";
import type { Store } from "./store.ts";

const keyAad = new TextEncoder().encode(
  `@scope/secrets data key v${FORMAT_VERSION}`,
);

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

function readKeyfile(path: string): Uint8Array {
  const keyfile = Deno.readFileSync(path);
  if (keyfile.length !== KEY_BYTES) {
    throw new KeyMismatchError(
      `the keyfile holds ${keyfile.length} bytes, not ${KEY_BYTES}: it was replaced or damaged`,
    );
  }
  return keyfile;
}

/** An open vault's meta record and its unwrapped data key. */
export interface Unlocked {
  meta: VaultMeta;
  dek: Uint8Array;
}

/** A new vault's key material, made before the write lock is taken. */
async function newVaultKeys(factors: BindingFactor[]): Promise<{
  keyfile: Uint8Array;
  unlocked: Unlocked;
}> {
  const keyfile = randomBytes(KEY_BYTES);
  const salt = randomBytes(KEY_BYTES);
  const dek = randomBytes(KEY_BYTES);
  const kek = await deriveKek(kekSecret(keyfile, factors), salt, DEFAULT_KDF);
  const meta: VaultMeta = {
    format: FORMAT_VERSION,
    kdf: DEFAULT_KDF,
    salt,
    factors,
    wrappedKey: encrypt(kek, dek, keyAad),
  };
  return { keyfile, unlocked: { meta, dek } };
}

/**
 * Creates the vault in an empty database. The keyfile is written under the
 * write lock, so two processes creating one vault at once agree on it; a
 * crash before the commit leaves an empty database, which the next open
 * creates anew. Resolves to `null` when another process created the vault
 * first: unlock it instead.
 */
export async function createVault(
  store: Store,
  dir: string,
  factors: BindingFactor[],
): Promise<Unlocked | null> {
  const { keyfile, unlocked } = await newVaultKeys(factors);
  const keys = deriveSubKeys(unlocked.dek);
  return store.transaction(() => {
    if (!isEmpty(store)) return null;
    writeAtomic(dir, VAULT_FILES.keyfile, keyfile, KEYFILE_MODE);
    store.exec(SCHEMA.join(";"));
    const integrity = encodeIntegrity(keys.tag, {
      x: new Uint8Array(KEY_BYTES),
      count: 0,
    });
    writeMeta(store, unlocked.meta, integrity);
    return unlocked;
  });
}

/**
 * Unwraps the data key of an existing vault. A missing, short or replaced
 * keyfile, or changed binding factors, is {@linkcode KeyMismatchError}; a
 * factor whose permission is missing is a `PermissionError` naming it.
 */
export async function unlockVault(
  store: Store,
  dir: string,
): Promise<Unlocked> {
  const keyfilePath = join(dir, VAULT_FILES.keyfile);
  checkSchema(store);
  const meta = readMeta(store);
  if (!inspectVaultFile(keyfilePath)) {
    throw new KeyMismatchError(
      "the keyfile is missing: this vault cannot be decrypted without it",
    );
  }
  const secret = kekSecret(readKeyfile(keyfilePath), meta.factors);
  const kek = await deriveKek(secret, meta.salt, meta.kdf);
  const dek = decrypt(kek, meta.wrappedKey, keyAad);
  if (dek === null) {
    throw new KeyMismatchError(
      "the data key does not unwrap: the machine identity changed or the keyfile was replaced",
    );
  }
  return { meta, dek };
}
