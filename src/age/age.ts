/**
 * Backups, moves and shares in the age format (C2SP age v1), through
 * `age-encryption`, the reference TypeScript implementation by the format's
 * author: a file this writes is read by the `age` and `rage` command-line
 * tools, and they write files this reads. Inside is the versioned
 * {@linkcode ExportDocument}, plain JSON, so a backup can be read without
 * this library years from now.
 *
 * A file is encrypted either to a passphrase (scrypt, work factor 18; files
 * asking for more than 20 are refused, as the spec advises) or to one or more
 * recipients, never both: the spec forbids mixing them. A recipient is
 * X25519 (`age1…`, read by every age implementation) or post-quantum hybrid
 * ML-KEM-768 + X25519 (`age1pq1…`, read by age 1.3 and later), which keeps a
 * backup safe from an attacker who stores it today for a quantum computer.
 *
 * This is the `./age` export, kept apart so the core engine never loads the
 * age dependency.
 *
 * @example Back up a vault to a teammate's key, and restore it
 * ```ts
 * import { SecretsEngine } from "@scope/secrets";
 * import { exportAge, generateIdentity, importAge } from "@scope/secrets/age";
 * import assert from "node:assert/strict";
 *
 * const dir = Deno.makeTempDirSync();
 * const dir2 = Deno.makeTempDirSync();
 * {
 *   const { identity, recipient } = await generateIdentity();
 *   const [from, to] = [dir, dir2];
 *   await using source = await SecretsEngine.open({ path: from });
 *   await source.set("db.url", "postgres://example");
 *   const file = await exportAge(source, { recipients: [recipient] });
 *   await using target = await SecretsEngine.open({ path: to });
 *   assert.equal(await importAge(target, file, { identities: [identity] }), 1);
 * }
 * Deno.removeSync(dir, { recursive: true });
 * Deno.removeSync(dir2, { recursive: true });
 * ```
 *
 * @module
 */

import { armor, Decrypter, Encrypter } from "age-encryption";
import type { ExportDocument, SecretsEngine } from "../../mod.ts";
import { parseDocument } from "../rules/document.ts";
import { checkStanzas } from "./header.ts";
import { parseRecipient } from "../recipients/recipients.ts";
import {
  isSshPrivateKey,
  openSshPrivateKey,
  parseSshPrivateKey,
  sshKeyFields,
  type SshPrivateKey,
} from "../recipients/ssh_keys.ts";
import { SshIdentity } from "../recipients/ssh_stanzas.ts";

export { MAX_AGE_STANZAS } from "./header.ts";
export {
  generateIdentity,
  identityRecipients,
  isEncryptedIdentity,
  readRecipients,
} from "./keys.ts";
export type { RecipientInfo } from "../recipients/recipients.ts";
import {
  IntegrityError,
  KeyMismatchError,
  SecretsEngineError,
  ValidationError,
} from "../errors.ts";

/** How a file is encrypted: to a passphrase, or to age recipients. */
export type AgeKey = { passphrase: string } | { recipients: string[] };

/**
 * How a file is decrypted: with its passphrase, or with identities (age
 * identities, or OpenSSH private keys; `keyPassphrase` opens the encrypted
 * ones).
 */
export type AgeUnlock = { passphrase: string } | {
  identities: string[];
  keyPassphrase?: string;
};

/** Options for {@linkcode exportAge}. */
export interface ExportAgeOptions {
  /** Only the secrets whose names match this glob (see `keys`). */
  pattern?: string;
  /** ASCII armor (PEM-like text) instead of binary; resolves to a string. */
  armor?: boolean;
}

/**
 * The largest age file read, in bytes (256 MiB: a backup of a million
 * small secrets is about 150 MB): the document inside is parsed whole, so
 * a file is refused above this before it is decrypted.
 */
export const MAX_AGE_FILE_BYTES = 256 * 1024 * 1024;

const ARMOR_HEADER = "-----BEGIN AGE ENCRYPTED FILE-----";
const SCRYPT_WORK_FACTOR = 18;
// X25519 (age1…, AGE-SECRET-KEY-1…) or post-quantum hybrid (age1pq1…,
// AGE-SECRET-KEY-PQ-1…), in Bech32's alphabet.
const RECIPIENT = /^age1(?:pq1)?[02-9ac-hj-np-z]+$/;
const IDENTITY = /^AGE-SECRET-KEY-(?:PQ-)?1[02-9AC-HJ-NP-Z]+$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Checks `input` gives exactly one of `keys`: the age spec forbids mixing. */
function oneOf(input: unknown, keys: readonly [string, string]): void {
  const given = typeof input === "object" && input !== null
    ? keys.filter((key) => key in input)
    : [];
  if (given.length !== 1) {
    throw new ValidationError(
      `give exactly one of ${
        keys.join(" or ")
      } (the age spec forbids mixing them)`,
    );
  }
}

function checkPassphrase(passphrase: unknown): string {
  if (typeof passphrase !== "string" || passphrase === "") {
    throw new ValidationError("the passphrase must be a non-empty string");
  }
  return passphrase;
}

/**
 * Adds each of `list` (recipients or identities) with `add`, after checking
 * its form; `shown` is what an error may say of a bad one.
 */
function addEach(
  list: unknown,
  what: string,
  form: (key: string) => boolean,
  add: (key: string) => void,
  shown: (key: unknown) => string,
): void {
  if (!Array.isArray(list) || list.length === 0) {
    throw new ValidationError(`give at least one ${what}`);
  }
  for (const key of list) {
    const bad = new ValidationError(`not an ${what}${shown(key)}`);
    if (typeof key !== "string" || !form(key)) throw bad;
    try {
      add(key);
    } catch (error) {
      // An SSH key of a refused kind or size says which, in its own words.
      throw error instanceof ValidationError && !IDENTITY.test(key)
        ? error
        : bad;
    }
  }
}

function encrypter(key: AgeKey): Encrypter {
  oneOf(key, ["passphrase", "recipients"]);
  const age = new Encrypter();
  if ("passphrase" in key) {
    age.setPassphrase(checkPassphrase(key.passphrase));
    age.setScryptWorkFactor(SCRYPT_WORK_FACTOR);
  } else {
    addEach(
      key.recipients,
      "age recipient (age1… or age1pq1…) or SSH public key (ssh-ed25519, ssh-rsa)",
      (recipient) =>
        RECIPIENT.test(recipient) || sshKeyFields(recipient) !== null,
      (recipient) => age.addRecipient(parseRecipient(recipient).age),
      (recipient) => `: ${JSON.stringify(recipient)}`,
    );
  }
  return age;
}

/** The SSH private keys among `identities`, read (and decrypted) first. */
async function sshKeys(
  identities: unknown,
  passphrase: string | undefined,
): Promise<Map<string, SshPrivateKey>> {
  const keys = new Map<string, SshPrivateKey>();
  if (!Array.isArray(identities)) return keys;
  for (const identity of identities) {
    if (typeof identity !== "string" || !isSshPrivateKey(identity)) continue;
    keys.set(
      identity,
      passphrase === undefined
        ? parseSshPrivateKey(identity)
        : await openSshPrivateKey(identity, passphrase),
    );
  }
  return keys;
}

async function decrypter(unlock: AgeUnlock): Promise<Decrypter> {
  oneOf(unlock, ["passphrase", "identities"]);
  const age = new Decrypter();
  if ("passphrase" in unlock) {
    age.addPassphrase(checkPassphrase(unlock.passphrase));
    return age;
  }
  const ssh = await sshKeys(unlock.identities, unlock.keyPassphrase);
  // Never echoed: an identity is a private key.
  addEach(
    unlock.identities,
    "age identity (AGE-SECRET-KEY-1… or AGE-SECRET-KEY-PQ-1…) or OpenSSH private key",
    (identity) => IDENTITY.test(identity) || ssh.has(identity),
    (identity) => {
      const key = ssh.get(identity);
      age.addIdentity(key === undefined ? identity : new SshIdentity(key));
    },
    () => "",
  );
  return age;
}

function isArmored(file: Uint8Array): boolean {
  const header = encoder.encode(ARMOR_HEADER);
  let at = 0;
  while (at < file.length && /\s/.test(String.fromCharCode(file[at]))) at++;
  return header.every((byte, i) => file[at + i] === byte);
}

/** The binary age file, from binary or armored input. */
function binary(file: Uint8Array | string): Uint8Array {
  const size = typeof file === "string" ? file.length : file.byteLength;
  if (size > MAX_AGE_FILE_BYTES) {
    throw new ValidationError(
      `the file is larger than ${MAX_AGE_FILE_BYTES} bytes, the most this reads`,
    );
  }
  if (typeof file !== "string" && !isArmored(file)) return file;
  try {
    return armor.decode(typeof file === "string" ? file : decoder.decode(file));
  } catch (error) {
    throw new IntegrityError("the file is not an intact armored age file", {
      cause: error,
    });
  }
}

/**
 * Decrypts an age file and reads the document inside. A passphrase or
 * identity that does not open it is {@linkcode KeyMismatchError}; a
 * truncated or altered file {@linkcode IntegrityError}; a file holding
 * anything but a document this version reads {@linkcode ValidationError}.
 *
 * @example Decrypt a passphrase backup
 * ```ts
 * import { decryptAge, exportAge } from "@scope/secrets/age";
 * import { SecretsEngine } from "@scope/secrets";
 * import assert from "node:assert/strict";
 * const dir = Deno.makeTempDirSync();
 * {
 *   await using engine = await SecretsEngine.open({ path: dir });
 *   const file = await exportAge(engine, { passphrase: "correct horse" });
 *   assert.equal((await decryptAge(file, { passphrase: "correct horse" })).entries.length, 0);
 * }
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export async function decryptAge(
  file: Uint8Array | string,
  unlock: AgeUnlock,
): Promise<ExportDocument> {
  const age = await decrypter(unlock);
  let plain: Uint8Array;
  try {
    const bytes = binary(file);
    checkStanzas(bytes);
    plain = await age.decrypt(bytes);
  } catch (error) {
    if (error instanceof SecretsEngineError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    if (/no identity matched/.test(message)) {
      throw new KeyMismatchError(
        "the passphrase or identity does not open this age file",
        { cause: error },
      );
    }
    throw new IntegrityError(
      `the file is not an intact age file (${message})`,
      { cause: error },
    );
  }
  try {
    return parseDocument(decoder.decode(plain));
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    throw new ValidationError(
      "the age file holds something other than a @scope/secrets export (not UTF-8 text)",
    );
  } finally {
    plain.fill(0);
  }
}

/**
 * Encrypts the vault's secrets (or those `options.pattern` matches) to a
 * passphrase or to age recipients, as binary or (with `armor`) text.
 *
 * @example Back up to a teammate's key, as armored text
 * ```ts
 * import { SecretsEngine } from "@scope/secrets";
 * import { exportAge, generateIdentity } from "@scope/secrets/age";
 * import assert from "node:assert/strict";
 * const dir = Deno.makeTempDirSync();
 * {
 *   await using engine = await SecretsEngine.open({ path: dir });
 *   const { recipient } = await generateIdentity();
 *   const text = await exportAge(engine, { recipients: [recipient] }, { armor: true });
 *   assert.ok(String(text).startsWith("-----BEGIN AGE ENCRYPTED FILE-----"));
 * }
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export async function exportAge(
  engine: SecretsEngine,
  key: AgeKey,
  options: ExportAgeOptions = {},
): Promise<Uint8Array | string> {
  encrypter(key);
  const doc = await engine.exportEntries(options.pattern);
  return await encryptAge(doc, key, options.armor);
}

/**
 * Encrypts an export document (from `exportEntries`) to a passphrase or to
 * age recipients, as binary or (with `armored`) text.
 *
 * @example Encrypt an export document
 * ```ts
 * import { SecretsEngine } from "@scope/secrets";
 * import { encryptAge } from "@scope/secrets/age";
 * import assert from "node:assert/strict";
 * const dir = Deno.makeTempDirSync();
 * {
 *   await using engine = await SecretsEngine.open({ path: dir });
 *   const file = await encryptAge(await engine.exportEntries(), { passphrase: "correct horse" });
 *   assert.ok(file instanceof Uint8Array);
 * }
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export async function encryptAge(
  doc: ExportDocument,
  key: AgeKey,
  armored = false,
): Promise<Uint8Array | string> {
  const age = encrypter(key);
  const plain = encoder.encode(JSON.stringify(doc, null, 2));
  try {
    const file = await age.encrypt(plain);
    return armored ? armor.encode(file) : file;
  } finally {
    plain.fill(0);
  }
}

/**
 * Decrypts an age file and writes its secrets into the vault in one
 * transaction, all or nothing (see `importEntries`); resolves to how many
 * were written.
 *
 * @example Restore a passphrase backup into a vault
 * ```ts
 * import { SecretsEngine } from "@scope/secrets";
 * import { exportAge, importAge } from "@scope/secrets/age";
 * import assert from "node:assert/strict";
 * const dir = Deno.makeTempDirSync();
 * const dir2 = Deno.makeTempDirSync();
 * {
 *   await using source = await SecretsEngine.open({ path: dir });
 *   await source.set("api.key", "k-example");
 *   const file = await exportAge(source, { passphrase: "correct horse" });
 *   await using target = await SecretsEngine.open({ path: dir2 });
 *   await importAge(target, file, { passphrase: "correct horse" });
 *   assert.equal(await target.get("api.key"), "k-example");
 * }
 * Deno.removeSync(dir, { recursive: true });
 * Deno.removeSync(dir2, { recursive: true });
 * ```
 */
export async function importAge(
  engine: SecretsEngine,
  file: Uint8Array | string,
  unlock: AgeUnlock,
  options: { overwrite?: boolean } = {},
): Promise<number> {
  return await engine.importEntries(await decryptAge(file, unlock), options);
}
