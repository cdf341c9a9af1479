/**
 * The keys of the `./age` export: making an age identity, and reading
 * recipients and identities people hold (age keys, SSH keys) into what
 * they compare, their fingerprints. `age.ts` re-exports each.
 *
 * @module
 */

import {
  generateHybridIdentity,
  generateX25519Identity,
  identityToRecipient,
} from "age-encryption";
import {
  parseIdentities,
  parseRecipient,
  parseRecipients,
  type RecipientInfo,
} from "../recipients/recipients.ts";
import { isEncryptedSshKey } from "../recipients/ssh_keys.ts";

/**
 * Makes a new age identity (keep it secret) and its recipient (share it:
 * files encrypted to it only the identity opens): X25519
 * (`AGE-SECRET-KEY-1…`, `age1…`), which every age implementation reads, or
 * with `{ pq: true }` post-quantum hybrid (`AGE-SECRET-KEY-PQ-1…`,
 * `age1pq1…`), which age 1.3 and later read.
 *
 * @example Make an identity and its recipient
 * ```ts
 * import { generateIdentity } from "@scope/secrets/age";
 * import assert from "node:assert/strict";
 * const { identity, recipient } = await generateIdentity();
 * assert.ok(identity.startsWith("AGE-SECRET-KEY-1") && recipient.startsWith("age1"));
 * const pq = await generateIdentity({ pq: true });
 * assert.ok(pq.identity.startsWith("AGE-SECRET-KEY-PQ-1") && pq.recipient.startsWith("age1pq1"));
 * ```
 */
export async function generateIdentity(
  options: { pq?: boolean } = {},
): Promise<{ identity: string; recipient: string }> {
  const identity = options.pq === true
    ? await generateHybridIdentity()
    : await generateX25519Identity();
  return { identity, recipient: await identityToRecipient(identity) };
}

/** What people compare of a recipient: its kind, canonical text and fingerprint. */
function info({ kind, recipient, fingerprint }: RecipientInfo): RecipientInfo {
  return { kind, recipient, fingerprint };
}

/**
 * The recipients `text` holds, with their fingerprints: one recipient (an
 * age recipient, or an SSH public key line), or a recipients file, one a
 * line (`.age-recipients`, `authorized_keys`: blank lines, `#` comments and
 * key options skipped). A line that is neither is a `ValidationError`
 * naming it; so is `ssh-rsa` under 2048 bits or another SSH key type.
 *
 * @example Check a teammate's key before adding it
 * ```ts
 * import { readRecipients } from "@scope/secrets/age";
 * import assert from "node:assert/strict";
 * const [key] = readRecipients(
 *   "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p",
 * );
 * assert.equal(key.kind, "x25519");
 * assert.match(key.fingerprint, /^SHA256:/);
 * ```
 */
export function readRecipients(text: string): RecipientInfo[] {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== "");
  return lines.length === 1
    ? [info(parseRecipient(lines[0]))]
    : parseRecipients(text).map(info);
}

/**
 * The recipients an identity file answers to, with their fingerprints: an
 * age identity file (one identity a line) or an OpenSSH private key
 * (`passphrase` opens an encrypted one). What `secrets members whoami` prints; no key material is
 * returned.
 *
 * @example Find the fingerprint of your own identity
 * ```ts
 * import { generateIdentity, identityRecipients } from "@scope/secrets/age";
 * import assert from "node:assert/strict";
 * const { identity, recipient } = await generateIdentity();
 * const [mine] = await identityRecipients(identity);
 * assert.equal(mine.recipient, recipient);
 * ```
 */
export async function identityRecipients(
  text: string,
  passphrase?: string,
): Promise<RecipientInfo[]> {
  return (await parseIdentities(text, passphrase))
    .map((parsed) => info(parsed.recipient));
}

/**
 * Whether an identity file's text is an OpenSSH private key encrypted with
 * a passphrase, which `open({ unlock: { identity, passphrase } })` then
 * needs (the CLI asks for it at a terminal).
 *
 * @example Tell whether an identity needs a passphrase
 * ```ts
 * import { generateIdentity, isEncryptedIdentity } from "@scope/secrets/age";
 * import assert from "node:assert/strict";
 * const { identity } = await generateIdentity();
 * assert.equal(isEncryptedIdentity(identity), false);
 * ```
 */
export function isEncryptedIdentity(text: string): boolean {
  return isEncryptedSshKey(text);
}
