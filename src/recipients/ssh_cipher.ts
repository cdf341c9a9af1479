/**
 * Decrypting an OpenSSH private key that `ssh-keygen -N PASSPHRASE` wrote:
 * the key-encryption key and IV from `bcrypt_pbkdf` (OpenSSH's KDF, through
 * `bcrypt-pbkdf`, the implementation Node's SSH libraries use, loaded only
 * here), then AES in CTR or CBC mode, or AES-256-GCM, as the file names.
 *
 * @module
 */

import { createDecipheriv } from "node:crypto";
import { KeyMismatchError, ValidationError } from "../errors.ts";

/** How a cipher the key file may name is run. */
interface Cipher {
  /** Its `node:crypto` name. */
  name: string;
  /** Key bytes. */
  key: number;
  /** IV bytes. */
  iv: number;
  /** Bytes of the authentication tag, which follows the block (GCM). */
  tag: number;
}

const CIPHERS: Record<string, Cipher> = {
  "aes256-ctr": { name: "aes-256-ctr", key: 32, iv: 16, tag: 0 },
  "aes192-ctr": { name: "aes-192-ctr", key: 24, iv: 16, tag: 0 },
  "aes128-ctr": { name: "aes-128-ctr", key: 16, iv: 16, tag: 0 },
  "aes256-cbc": { name: "aes-256-cbc", key: 32, iv: 16, tag: 0 },
  "aes256-gcm@openssh.com": { name: "aes-256-gcm", key: 32, iv: 12, tag: 16 },
};

// More rounds than this would make an open run for minutes: ssh-keygen's
// default is 16, and its -a flag is rarely set above a few hundred.
const MAX_ROUNDS = 1024;

interface BcryptPbkdf {
  pbkdf(
    pass: Uint8Array,
    passLength: number,
    salt: Uint8Array,
    saltLength: number,
    key: Uint8Array,
    keyLength: number,
    rounds: number,
  ): number;
}

/** The KDF options of a `bcrypt` key file: its salt and rounds. */
export interface BcryptOptions {
  /** The salt. */
  salt: Uint8Array;
  /** The rounds. */
  rounds: number;
}

/**
 * The private block of an encrypted OpenSSH key, decrypted with
 * `passphrase`. A cipher or KDF this version does not know, or rounds
 * above the maximum, is a {@linkcode ValidationError}; a wrong passphrase
 * shows only later, when the block's two check numbers differ.
 */
export async function decryptPrivateBlock(
  cipherName: string,
  options: BcryptOptions,
  passphrase: string,
  { block, trailer }: { block: Uint8Array; trailer: Uint8Array },
): Promise<Uint8Array> {
  const cipher = Object.hasOwn(CIPHERS, cipherName)
    ? CIPHERS[cipherName]
    : undefined;
  if (cipher === undefined) {
    throw new ValidationError(
      `this SSH key is encrypted with ${
        JSON.stringify(cipherName.slice(0, 40))
      }, which this version does not read (aes256-ctr, ssh-keygen's default, is read)`,
    );
  }
  if (options.rounds < 1 || options.rounds > MAX_ROUNDS) {
    throw new ValidationError(
      `this SSH key asks for ${options.rounds} bcrypt rounds: at most ${MAX_ROUNDS} are run`,
    );
  }
  const { default: bcrypt } = await import("bcrypt-pbkdf") as {
    default: BcryptPbkdf;
  };
  const pass = new TextEncoder().encode(passphrase);
  const derived = new Uint8Array(cipher.key + cipher.iv);
  bcrypt.pbkdf(
    pass,
    pass.length,
    options.salt,
    options.salt.length,
    derived,
    derived.length,
    options.rounds,
  );
  pass.fill(0);
  const decipher = createDecipheriv(
    cipher.name,
    derived.subarray(0, cipher.key),
    derived.subarray(cipher.key),
  );
  if (cipher.name === "aes-256-cbc") decipher.setAutoPadding(false);
  if (cipher.tag > 0) {
    if (trailer.length < cipher.tag) {
      throw new ValidationError("the encrypted SSH key is truncated");
    }
    (decipher as unknown as { setAuthTag(tag: Uint8Array): void })
      .setAuthTag(trailer.subarray(0, cipher.tag));
  }
  try {
    const plain = new Uint8Array(decipher.update(block));
    decipher.final();
    return plain;
  } catch {
    throw new KeyMismatchError("the passphrase does not open this SSH key");
  } finally {
    derived.fill(0);
  }
}
