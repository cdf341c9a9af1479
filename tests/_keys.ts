/**
 * Keys for member and backup tests, made the way users make them: SSH
 * keys by the real `ssh-keygen`, age keys by the age library.
 *
 * @module
 */

import { join } from "node:path";
import { generateIdentity } from "../src/age/age.ts";
import { runCommand } from "./_helpers.ts";

/** A key pair as files and text. */
export interface TestKey {
  /** The private key file. */
  path: string;
  /** The identity: the private key file's text. */
  identity: string;
  /** The recipient: the public key line. */
  recipient: string;
}

/**
 * An SSH key made by `ssh-keygen` in `dir` (`ed25519`, or `rsa` of `bits`),
 * optionally encrypted with `passphrase`.
 */
export async function sshKey(
  dir: string,
  name: string,
  type: "ed25519" | "rsa" = "ed25519",
  options: { bits?: number; passphrase?: string } = {},
): Promise<TestKey> {
  const path = join(dir, name);
  const bits = type === "rsa" ? ["-b", String(options.bits ?? 2048)] : [];
  const made = await runCommand("ssh-keygen", [
    "-q",
    "-t",
    type,
    ...bits,
    "-N",
    options.passphrase ?? "",
    "-C",
    `${name}@test`,
    "-f",
    path,
  ]);
  if (made.code !== 0) throw new Error(`ssh-keygen failed: ${made.stderr}`);
  return {
    path,
    identity: await Deno.readTextFile(path),
    recipient: (await Deno.readTextFile(`${path}.pub`)).trim(),
  };
}

/** An age key (X25519, or post-quantum hybrid with `pq`), written to `dir`. */
export async function ageKey(
  dir: string,
  name: string,
  pq = false,
): Promise<TestKey> {
  const { identity, recipient } = await generateIdentity({ pq });
  const path = join(dir, name);
  await Deno.writeTextFile(path, `# ${name}\n${identity}\n`, { mode: 0o600 });
  return { path, identity: `# ${name}\n${identity}\n`, recipient };
}
