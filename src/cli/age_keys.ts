/**
 * Where the CLI gets age keys from: a passphrase (a no-echo prompt, typed
 * twice when encrypting, or the first line of stdin off a terminal),
 * recipients (`--recipient`, `--recipients-file`) and identities
 * (`--identity FILE`, `--identity-env NAME`). Never from argv, except
 * recipients, which are public.
 *
 * @module
 */

import type { AgeKey, AgeUnlock } from "../transfer/age.ts";
import { Failure, type Parsed, UsageError } from "./command.ts";
import { readStdin, readUserFile } from "./io.ts";
import { promptHidden } from "./prompt.ts";

/** The lines of a key file that are not blank or comments. */
function keyLines(text: string): string[] {
  return text.split(/\r?\n/).map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}

async function readPassphrase(confirm: boolean): Promise<string> {
  if (!Deno.stdin.isTerminal()) {
    const [line = ""] = (await readStdin()).split(/\r?\n/);
    return line;
  }
  const passphrase = await promptHidden("Passphrase: ");
  if (confirm && await promptHidden("Passphrase again: ") !== passphrase) {
    throw new Failure("the passphrases differ: nothing was written");
  }
  return passphrase;
}

function readEnvKey(name: string): string {
  const access = Deno.permissions.querySync({ name: "env", variable: name });
  if (access.state !== "granted") {
    throw new Failure(`--identity-env ${name} needs --allow-env=${name}`);
  }
  const value = Deno.env.get(name);
  if (!value) throw new Failure(`the variable ${name} is not set`);
  return value;
}

/** What to encrypt to: `--passphrase`, or recipients; exactly one. */
export async function encryptionKey(args: Parsed): Promise<AgeKey> {
  const { passphrase, recipient = [] } = args.values;
  const file = args.values["recipients-file"];
  const recipients = [
    ...recipient,
    ...(file === undefined ? [] : keyLines(await readUserFile(file))),
  ];
  if (passphrase === true && recipients.length > 0) {
    throw new UsageError(
      "--passphrase and recipients exclude each other (the age format forbids mixing them)",
    );
  }
  if (passphrase === true) return { passphrase: await readPassphrase(true) };
  if (recipients.length === 0) {
    throw new UsageError(
      "a backup is always encrypted: pass --passphrase, --recipient age1… or --recipients-file F",
    );
  }
  return { recipients };
}

/** What to decrypt with: `--passphrase`, or identities; exactly one. */
export async function decryptionKey(args: Parsed): Promise<AgeUnlock> {
  const { passphrase, identity = [] } = args.values;
  const env = args.values["identity-env"];
  const identities: string[] = [];
  for (const file of identity) {
    identities.push(...keyLines(await readUserFile(file)));
  }
  if (env !== undefined) identities.push(...keyLines(readEnvKey(env)));
  if (passphrase === true && (identity.length > 0 || env !== undefined)) {
    throw new UsageError("--passphrase and identities exclude each other");
  }
  if (passphrase === true) return { passphrase: await readPassphrase(false) };
  if (identities.length === 0) {
    throw new UsageError(
      "pass --passphrase, --identity FILE or --identity-env NAME",
    );
  }
  return { identities };
}
