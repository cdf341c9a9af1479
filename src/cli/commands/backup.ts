/**
 * The commands that take secrets off the machine and back, encrypted in the
 * age format: `backup`, `restore` and `keygen`.
 *
 * @module
 */

import { decryptionKey, encryptionKey, loadAge } from "../options/age_keys.ts";
import type { Command } from "../command.ts";
import { EXIT, Failure } from "../failures.ts";
import { readUserBytes, writeUserFile } from "../io.ts";
import { refuseTerminal } from "./transfer.ts";

function secrets(count: number): string {
  return `${count} secret${count === 1 ? "" : "s"}`;
}

/** `backup FILE [PATTERN]`: an encrypted copy of the vault's secrets. */
export const backup: Command = {
  usage:
    "backup FILE [PATTERN] (--age-passphrase | --recipient age1… | --recipients-file F) [--armor] [--force]",
  summary: "write the secrets to an age file (mode 0600), never in clear",
  details: `
--age-passphrase asks twice without echo (or reads stdin's first line off a
terminal) and uses scrypt; --recipient (repeatable) and --recipients-file
encrypt to age public keys (age1…, or post-quantum age1pq1…), so only their
identities open the file.
The file is read by the standard age tool: age -d -i key.txt FILE. --armor
writes text instead of binary. An existing FILE is replaced only with
--force.`,
  options: ["age-passphrase", "recipient", "recipients-file", "armor", "force"],
  operands: [1, 2],
  async run({ args, open, io }): Promise<number> {
    const [file, pattern] = args.operands;
    const key = await encryptionKey(io, args);
    let doc;
    {
      await using vault = await open();
      doc = await vault.exportEntries(pattern);
    }
    if (pattern !== undefined && doc.entries.length === 0) {
      throw new Failure(
        `the pattern ${pattern} matches no secret: nothing was backed up`,
      );
    }
    const { encryptAge } = await loadAge();
    const encrypted = await encryptAge(doc, key, args.values.armor === true);
    await writeUserFile(file, encrypted, args.values.force === true);
    io.warn(`backed up ${secrets(doc.entries.length)} to ${file}`);
    return EXIT.ok;
  },
};

/** `restore FILE`: the secrets of an age file, written in one transaction. */
export const restore: Command = {
  usage:
    "restore FILE (--age-passphrase | --identity F | --identity-env NAME) [--overwrite]",
  summary:
    "write the secrets of an age backup into the vault, all or none (creates the vault)",
  details: `
Without --overwrite, a name the vault already holds is an error that lists
them all, and nothing is written; a wrong passphrase or identity, a damaged
file or one holding anything but a backup is an error, and nothing is
written.`,
  options: ["age-passphrase", "identity", "identity-env", "overwrite"],
  operands: [1, 1],
  async run({ args, open, io }): Promise<number> {
    const [file] = args.operands;
    const unlock = await decryptionKey(io, args);
    const { decryptAge, MAX_AGE_FILE_BYTES } = await loadAge();
    const doc = await decryptAge(
      await readUserBytes(file, MAX_AGE_FILE_BYTES),
      unlock,
    );
    await using vault = await open({ create: true });
    const overwrite = args.values.overwrite === true;
    const count = await vault.importEntries(doc, { overwrite });
    io.warn(`restored ${secrets(count)} from ${file}`);
    return EXIT.ok;
  },
};

/** `keygen`: a new age identity and its public recipient. */
export const keygen: Command = {
  usage: "keygen [--pq] [-o FILE] [--force]",
  summary:
    "make an age identity; with -o, write it (mode 0600) and print its recipient",
  details: `
Share the recipient (age1…): files backed up to it open only with the
identity. Without -o the identity file goes to stdout (never to a terminal
without --force) and the recipient to stderr. --pq makes a post-quantum
hybrid identity (AGE-SECRET-KEY-PQ-1…, recipient age1pq1…), which age 1.3
and later read.`,
  options: ["output", "force", "pq"],
  operands: [0, 0],
  noUnlock: true,
  async run({ args, io }): Promise<number> {
    const { generateIdentity } = await loadAge();
    const { identity, recipient } = await generateIdentity({
      pq: args.values.pq === true,
    });
    const text = `# created: ${
      new Date().toISOString()
    }\n# public key: ${recipient}\n${identity}\n`;
    const { output, force = false } = args.values;
    if (output === undefined) {
      refuseTerminal(io, force);
      io.write(text);
      io.warn(`public key: ${recipient}`);
    } else {
      await writeUserFile(output, text, force);
      io.write(`${recipient}\n`);
    }
    return EXIT.ok;
  },
};
