/**
 * Where the CLI gets age keys from: a passphrase (a no-echo prompt, typed
 * twice when encrypting, or the first line of stdin off a terminal),
 * recipients (`--recipient`, `--recipients-file`: age recipients or SSH
 * public keys, `ssh-ed25519` and `ssh-rsa`) and identities (`--identity
 * FILE`: age identities or an OpenSSH private key, whose passphrase is
 * asked at a terminal when it has one; `-` for
 * stdin's first line, an age identity; `--identity-env NAME`). Never from
 * argv, except recipients, which are public.
 *
 * @module
 */

import type { AgeKey, AgeUnlock } from "../../age/age.ts";
import type { Parsed } from "../command.ts";
import { UsageError } from "../failures.ts";
import { MAX_KEY_FILE_BYTES, takeEnvSecret } from "../io.ts";
import { promptHidden, readSecretLine } from "../terminal/prompt.ts";
import type { Io } from "../streams.ts";

/**
 * The `./age` module, loaded when a command first needs it: the age library
 * it wraps is most of the CLI's module graph, and most commands never use
 * it.
 */
export function loadAge(): Promise<typeof import("../../age/age.ts")> {
  return import("../../age/age.ts");
}

/** The lines of a key file that are not blank or comments. */
function keyLines(text: string): string[] {
  return text.split(/\r?\n/).map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}

/**
 * The identities a file holds: an OpenSSH private key whole, or age
 * identities one a line.
 */
function identityKeys(text: string): string[] {
  return text.trimStart().startsWith(OPENSSH_PRIVATE_KEY)
    ? [text]
    : keyLines(text);
}

const OPENSSH_PRIVATE_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----";

/** What to encrypt to: `--age-passphrase`, or recipients; exactly one. */
export async function encryptionKey(io: Io, args: Parsed): Promise<AgeKey> {
  const { "age-passphrase": passphrase, recipient = [] } = args.values;
  const file = args.values["recipients-file"];
  const recipients = [
    ...recipient,
    ...(file === undefined
      ? []
      : keyLines(await io.readText(file, MAX_KEY_FILE_BYTES))),
  ];
  if (passphrase === true && recipients.length > 0) {
    throw new UsageError(
      "--age-passphrase and recipients exclude each other (the age format forbids mixing them)",
    );
  }
  if (passphrase === true) {
    return { passphrase: await readSecretLine(io, "Passphrase: ", true) };
  }
  if (recipients.length === 0) {
    throw new UsageError(
      "a backup is always encrypted: pass --age-passphrase, --recipient age1…|'ssh-ed25519 …' or --recipients-file F",
    );
  }
  return { recipients };
}

/** What to decrypt with: `--age-passphrase`, or identities; exactly one. */
export async function decryptionKey(io: Io, args: Parsed): Promise<AgeUnlock> {
  const { "age-passphrase": passphrase, identity = [] } = args.values;
  const env = args.values["identity-env"];
  const identities: string[] = [];
  for (const file of identity) {
    // - is stdin's first line alone: run --from keeps the rest for the
    // program, and the identity stays out of every environment.
    const text = file === "-"
      ? await io.readStdinLine()
      : await io.readText(file, MAX_KEY_FILE_BYTES);
    for (const key of identityKeys(text)) identities.push(key);
  }
  if (env !== undefined) {
    const lines = identityKeys(takeEnvSecret("--identity-env", env));
    for (const line of lines) identities.push(line);
  }
  if (passphrase === true && (identity.length > 0 || env !== undefined)) {
    throw new UsageError("--age-passphrase and identities exclude each other");
  }
  if (passphrase === true) {
    return { passphrase: await readSecretLine(io, "Passphrase: ", false) };
  }
  if (identities.length === 0) {
    throw new UsageError(
      "pass --age-passphrase, --identity FILE or --identity-env NAME",
    );
  }
  const { isEncryptedIdentity } = await loadAge();
  const encrypted = identities.find(isEncryptedIdentity);
  if (encrypted === undefined) return { identities };
  if (!io.streams.stdin.isTerminal()) {
    throw new UsageError(
      "an SSH key given to --identity is encrypted: its passphrase is asked at a terminal; off one, use an unencrypted copy kept as safe as the key (ssh-keygen -p -N '' -f COPY), or an age identity",
    );
  }
  const keyPassphrase = await promptHidden(io, "SSH key passphrase: ");
  return { identities, keyPassphrase };
}
