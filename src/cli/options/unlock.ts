/**
 * How the CLI opens a vault through a slot other than the machine's: the
 * global options `--passphrase` (a no-echo prompt), `--passphrase-file F`,
 * `--key-env NAME` and `--key-file F` (`-` for stdin's first line only, so
 * a program `run` starts keeps the rest), and `--identity F` (a member's
 * age identity file or OpenSSH private key; `-` for stdin, at most 64 KiB;
 * a command whose own `--identity` opens a backup takes the vault's from
 * `SECRETS_IDENTITY_FILE` only). A secret is never read from argv. The variable `--key-env` names is removed from the environment
 * once read, so no program `run` starts inherits it; but this process's
 * initial environment, which `/proc/PID/environ` shows to every process of
 * the same user, cannot be changed: `--key-file -` keeps the key out of
 * every environment.
 *
 * @module
 */

import type { Unlock } from "../../../mod.ts";
import type { OptionName, Parsed } from "../command.ts";
import { UsageError } from "../failures.ts";
import { MAX_KEY_FILE_BYTES, takeEnvSecret } from "../io.ts";
import { promptHidden } from "../terminal/prompt.ts";
import { loadAge } from "./age_keys.ts";
import type { Io } from "../streams.ts";

/** The unlock options, which every command that opens a vault takes. */
export const UNLOCK_OPTIONS: readonly OptionName[] = [
  "passphrase",
  "passphrase-file",
  "key-env",
  "key-file",
  "identity",
];

/** The variable that names a member's identity file, the default `--identity`. */
export const IDENTITY_FILE_ENV = "SECRETS_IDENTITY_FILE";

/** The text of the identity file `path` (`-`: stdin), bounded. */
export async function readIdentity(io: Io, path: string): Promise<string> {
  return await io.readText(path, MAX_KEY_FILE_BYTES);
}

/**
 * The unlock of a member identity: an encrypted SSH key's passphrase is
 * asked at a terminal, and off one the key is refused with what to do.
 */
export async function identityUnlock(
  io: Io,
  identity: string,
  where: string,
): Promise<Unlock> {
  const { isEncryptedIdentity } = await loadAge();
  if (!isEncryptedIdentity(identity)) return { identity };
  if (!io.streams.stdin.isTerminal()) {
    throw new UsageError(
      `the SSH key ${where} is encrypted: its passphrase is asked at a terminal; off one, use an unencrypted copy kept as safe as the key (ssh-keygen -p -N '' -f COPY), or an age identity`,
    );
  }
  const passphrase = await promptHidden(io, `Passphrase for ${where}: `);
  return { identity, passphrase };
}

/**
 * The identity file `SECRETS_IDENTITY_FILE` names, when it is set and may
 * be read: the member identity a vault falls back to when no slot of this
 * copy opens it, and what `members whoami` reads by default.
 */
export function defaultIdentityFile(): string | undefined {
  const access = Deno.permissions.querySync({
    name: "env",
    variable: IDENTITY_FILE_ENV,
  });
  if (access.state !== "granted") return undefined;
  return Deno.env.get(IDENTITY_FILE_ENV) || undefined;
}

/** The first line of the file `path`, or of stdin for `-` (only that line is read). */
export async function readFirstLine(io: Io, path: string): Promise<string> {
  if (path === "-") return await io.readStdinLine();
  const [line = ""] = (await io.readText(path, MAX_KEY_FILE_BYTES)).split(
    /\r?\n/,
  );
  return line;
}

/**
 * The `unlock` the options ask for, reading the secret; `undefined` when
 * none is given (the machine slot).
 */
export async function readUnlock(
  io: Io,
  values: Parsed["values"],
  ownsIdentity = false,
): Promise<Unlock | undefined> {
  const given = UNLOCK_OPTIONS.filter((option) =>
    values[option] !== undefined && !(option === "identity" && ownsIdentity)
  );
  if (given.length > 1) {
    throw new UsageError(
      `${
        given.map((option) => `--${option}`).join(" and ")
      } exclude each other`,
    );
  }
  const { "passphrase-file": passphraseFile, "key-file": keyFile } = values;
  const keyEnv = values["key-env"];
  if (values.passphrase) {
    if (!io.streams.stdin.isTerminal()) {
      throw new UsageError(
        "--passphrase asks at a terminal; off one, pass --passphrase-file FILE",
      );
    }
    return { passphrase: await promptHidden(io, "Vault passphrase: ") };
  }
  if (passphraseFile !== undefined) {
    return { passphrase: await readFirstLine(io, passphraseFile) };
  }
  if (keyFile !== undefined) {
    return { key: (await readFirstLine(io, keyFile)).trim() };
  }
  if (keyEnv !== undefined) {
    return { key: takeEnvSecret("--key-env", keyEnv).trim() };
  }
  const identity = ownsIdentity ? undefined : values.identity;
  if (identity !== undefined) {
    if (identity.length > 1) {
      throw new UsageError("give one --identity FILE to open the vault");
    }
    const [path] = identity;
    return await identityUnlock(io, await readIdentity(io, path), path);
  }
  return undefined;
}
