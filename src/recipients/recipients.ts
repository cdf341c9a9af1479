/**
 * Recipients and identities of every kind a member or a backup may use,
 * read from the text people hold: age X25519 (`age1…`), age post-quantum
 * hybrid (`age1pq1…`), and SSH `ssh-ed25519` / `ssh-rsa` public keys (a
 * line as in `authorized_keys` or a `.pub` file); identities as an age
 * identity file (`AGE-SECRET-KEY-1…`, `AGE-SECRET-KEY-PQ-1…`, one a line)
 * or an unencrypted OpenSSH private key. Each recipient has a fingerprint
 * people can compare: `ssh-keygen -l`'s for SSH keys, and for age keys the
 * same form over the recipient string.
 *
 * This module loads the age library: load it only where a recipient or an
 * identity is used.
 *
 * @module
 */

import {
  Encrypter,
  type Identity,
  identityToRecipient,
  type Recipient,
} from "age-encryption";
import { ValidationError } from "../errors.ts";
import type { MemberKind } from "../types.ts";
import {
  isSshPrivateKey,
  openSshPrivateKey,
  parseSshPrivateKey,
  parseSshPublicKey,
  sha256Fingerprint,
  sshFingerprint,
  sshKeyFields,
  sshPublicLine,
} from "./ssh_keys.ts";
import { SshIdentity, SshRecipient } from "./ssh_stanzas.ts";

/** A recipient as people compare it. */
export interface RecipientInfo {
  /** Its kind: the age stanza its keys are wrapped in. */
  kind: MemberKind;
  /** Its canonical text: the age string, or `TYPE BASE64` without comment. */
  recipient: string;
  /** Its fingerprint, `SHA256:…` (`ssh-keygen -l`'s, for an SSH key). */
  fingerprint: string;
}

/** A recipient read and checked. */
export interface ParsedRecipient extends RecipientInfo {
  /** What the age library encrypts to. */
  age: string | Recipient;
}

/** An identity read and checked, with the recipient it answers to. */
export interface ParsedIdentity {
  /** What the age library decrypts with. */
  age: string | Identity;
  /** The recipient it answers to. */
  recipient: ParsedRecipient;
}

// An identity file larger than this is not one: a bounded read.
const MAX_KEY_FILE_BYTES = 64 * 1024;

function parseAgeRecipient(text: string): ParsedRecipient {
  const recipient = text.trim();
  try {
    new Encrypter().addRecipient(recipient);
  } catch {
    throw new ValidationError(
      "this is not a valid age recipient (age1…, age1pq1…)",
    );
  }
  const kind = recipient.startsWith("age1pq1") ? "mlkem768x25519" : "x25519";
  if (!recipient.startsWith("age1") || recipient.startsWith("age1tag")) {
    throw new ValidationError(
      "only age1… and age1pq1… recipients can be members: tag recipients cannot be opened from a file",
    );
  }
  return {
    kind,
    recipient,
    fingerprint: sha256Fingerprint(recipient),
    age: recipient,
  };
}

/**
 * Reads one recipient: an age recipient or an SSH public key line. Anything
 * else is a {@linkcode ValidationError} naming what is accepted.
 *
 * @example Read an age recipient
 * ```ts
 * import { parseRecipient } from "./recipients.ts";
 * import assert from "node:assert/strict";
 * const parsed = parseRecipient(
 *   "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p",
 * );
 * assert.equal(parsed.kind, "x25519");
 * assert.match(parsed.fingerprint, /^SHA256:/);
 * ```
 */
export function parseRecipient(text: string): ParsedRecipient {
  const trimmed = text.trim();
  if (trimmed.startsWith("age1")) return parseAgeRecipient(trimmed);
  if (sshKeyFields(trimmed) !== null) {
    const key = parseSshPublicKey(trimmed);
    return {
      kind: key.type,
      recipient: sshPublicLine(key),
      fingerprint: sshFingerprint(key),
      age: new SshRecipient(key),
    };
  }
  throw new ValidationError(
    "a recipient is an age key (age1…, age1pq1…) or an SSH public key (ssh-ed25519, ssh-rsa)",
  );
}

/**
 * Reads a recipients file: one recipient a line, blank lines and `#`
 * comments skipped, as `age -R` reads one and as `authorized_keys` holds
 * keys. A file with no recipient is a {@linkcode ValidationError}.
 */
export function parseRecipients(text: string): ParsedRecipient[] {
  const lines = text.split(/\r?\n/).map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  if (lines.length === 0) {
    throw new ValidationError("the recipients file holds no recipient");
  }
  return lines.map((line, at) => {
    try {
      return parseRecipient(line);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      throw new ValidationError(`recipient ${at + 1}: ${error.message}`);
    }
  });
}

async function ageIdentity(line: string): Promise<ParsedIdentity> {
  let recipient: string;
  try {
    recipient = await identityToRecipient(line);
  } catch {
    throw new ValidationError(
      "an identity line is not a valid age identity (AGE-SECRET-KEY-1…, AGE-SECRET-KEY-PQ-1…)",
    );
  }
  return { age: line, recipient: parseAgeRecipient(recipient) };
}

/**
 * Reads an identity file: an OpenSSH private key (decrypted with
 * `passphrase` when it is encrypted), or age identities, one a line (blank
 * lines and `#` comments skipped). Anything
 * else, or more than 64 KiB, is a {@linkcode ValidationError}; no message
 * holds a byte of the key.
 */
export async function parseIdentities(
  text: string,
  passphrase?: string,
): Promise<ParsedIdentity[]> {
  if (text.length > MAX_KEY_FILE_BYTES) {
    throw new ValidationError(
      `an identity file is at most ${MAX_KEY_FILE_BYTES / 1024} KiB`,
    );
  }
  if (isSshPrivateKey(text)) {
    const key = passphrase === undefined
      ? parseSshPrivateKey(text)
      : await openSshPrivateKey(text, passphrase);
    const line = sshPublicLine(key.publicKey);
    return [{ age: new SshIdentity(key), recipient: parseRecipient(line) }];
  }
  const lines = text.split(/\r?\n/).map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  if (lines.length === 0) {
    throw new ValidationError(
      "the identity file holds no identity: an age identity (AGE-SECRET-KEY-…) or an OpenSSH private key",
    );
  }
  return await Promise.all(lines.map(ageIdentity));
}
