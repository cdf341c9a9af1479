/**
 * The commands on the vault as a whole: `info`, `destroy` and `recover`.
 *
 * @module
 */

import {
  DecryptionError,
  InitializationError,
  IntegrityError,
  KeyMismatchError,
} from "../../errors.ts";
import { type ExportDocument, SecretsEngine } from "../../../mod.ts";
import { encryptionKey, loadAge } from "../options/age_keys.ts";
import type { Command, Context } from "../command.ts";
import { EXIT, Failure, UsageError } from "../failures.ts";
import type { Io } from "../streams.ts";
import { writeUserFile } from "../io.ts";
import { confirmAtTerminal } from "../terminal/prompt.ts";
import { type SelectedSecret, textPairs } from "../environment/environment.ts";
import { checkFormat, refuseTerminal, writeSecrets } from "./transfer.ts";

/** `info`: where the vault is and what state it is in. */
export const info: Command = {
  usage: "info",
  summary:
    "show the vault's path, size, binding factors, unlocking slot, format, history limit and seal state",
  options: [],
  operands: [0, 0],
  async run({ open, io }): Promise<number> {
    await using vault = await open();
    const facts = await vault.info();
    io.write(
      [
        `path:     ${facts.path}`,
        `entries:  ${facts.size}`,
        `bound to: ${
          facts.factors.length ? facts.factors.join(", ") : "keyfile only"
        }`,
        `unlocked: ${facts.unlockedBy.kind} slot ${facts.unlockedBy.id}`,
        `format:   ${facts.format}`,
        `history:  ${facts.historyLimit} earlier versions kept per secret`,
        `seal:     ${
          facts.openedSealed
            ? "intact (opened on the fast path)"
            : "rebuilt (verified in full on this open)"
        }`,
      ].join("\n") + "\n",
    );
    return EXIT.ok;
  },
};

/**
 * The vault as `destroy` can open it: normally (so other processes learn it
 * was destroyed), else for recovery (a damaged vault), else `null` (it
 * cannot be unlocked: it is removed unread).
 */
async function openForDestroy(
  open: Context["open"],
  io: Io,
): Promise<SecretsEngine | null> {
  try {
    return await open();
  } catch (error) {
    if (
      !(error instanceof IntegrityError || error instanceof KeyMismatchError)
    ) {
      throw error;
    }
  }
  try {
    return await open({ recover: true });
  } catch (error) {
    if (
      error instanceof IntegrityError || error instanceof KeyMismatchError ||
      error instanceof InitializationError
    ) {
      io.warn(
        `the vault does not open (${error.problem}): it is removed unread`,
      );
      return null;
    }
    throw error;
  }
}

/** `destroy`: removes the vault after confirmation. */
export const destroy: Command = {
  usage: "destroy [--yes]",
  summary:
    "delete the vault and every secret in it, after confirmation (works on a damaged vault, and on one that no longer unlocks)",
  options: ["yes"],
  operands: [0, 0],
  async run({ args, open, location, io }): Promise<number> {
    if (!args.values.yes && !io.streams.stdin.isTerminal()) {
      throw new UsageError(
        "destroy asks for confirmation: pass --yes when not at a terminal",
      );
    }
    const vault = await openForDestroy(open, io);
    if (!args.values.yes) {
      const count = vault?.size;
      const what = count === undefined
        ? "the vault (it cannot be unlocked, so its secrets cannot be counted)"
        : `${count} secret${count === 1 ? "" : "s"}`;
      const confirmed = await confirmAtTerminal(
        io,
        `Destroy ${what} in ${
          vault?.storagePath ?? "this location"
        }? Type "yes" to confirm:`,
      ).catch(async (error) => {
        await vault?.close();
        throw error;
      });
      if (!confirmed) {
        await vault?.close();
        throw new Failure("not destroyed");
      }
    }
    if (vault !== null) await vault.destroy();
    else if (!await SecretsEngine.destroyVault(location)) {
      throw new Failure("there is no vault to destroy");
    }
    io.warn("destroyed");
    return EXIT.ok;
  },
};

async function readableSecrets(
  vault: SecretsEngine,
  io: Io,
): Promise<[string, string][]> {
  const read: SelectedSecret[] = [];
  for (const name of await vault.keys()) {
    try {
      const entry = await vault.getEntry(name);
      if (entry === null) continue;
      const { value } = entry;
      if (typeof value !== "string") value.fill(0);
      read.push({ name, text: typeof value === "string" ? value : null });
    } catch (error) {
      if (!(error instanceof DecryptionError)) throw error;
    }
  }
  return textPairs(read, [], "dotenv", io.warn);
}

function countVersions(doc: ExportDocument): number {
  return doc.entries.reduce((sum, e) => sum + (e.versions?.length ?? 0), 0);
}

/** `recover`: what is damaged, and every secret that is not, exported. */
export const recover: Command = {
  usage:
    "recover [--backup FILE (--age-passphrase | --recipient age1… | --recipients-file F) [--armor]] [--format env|json] [--force]",
  summary:
    "read a vault that fails verification without changing it, report what is damaged, and save what is intact",
  details: `
--backup FILE writes everything that decrypts to an age file (mode 0600),
losslessly: names, text and bytes values, expiry, expired secrets and every
earlier version. secrets restore FILE reads it back. This is the way out of
a damaged vault:

  secrets recover --backup rescue.age --age-passphrase
  secrets destroy --yes
  secrets restore rescue.age --age-passphrase

Without --backup, the intact secrets are printed: --format json prints the
same lossless document in clear (secrets import reads it back), --format env
(the default) only live text values under environment names. Neither is
printed to a terminal without --force. Recovery reads the files and changes
none of them.`,
  options: [
    "backup",
    "age-passphrase",
    "recipient",
    "recipients-file",
    "armor",
    "format",
    "force",
  ],
  operands: [0, 0],
  async run({ args, open, io }): Promise<number> {
    const file = args.values.backup;
    const format = checkFormat(args.values.format);
    if (file !== undefined && args.values.format !== undefined) {
      throw new UsageError("--backup and --format exclude each other");
    }
    if (file === undefined) refuseTerminal(io, args.values.force);
    const key = file === undefined ? null : await encryptionKey(io, args);
    await using vault = await open({ recover: true });
    const report = vault.recovery;
    if (report === null) throw new Error("a recovery open gave no report");
    for (const problem of report.problems) io.warn(`damaged: ${problem}`);
    for (const entry of report.unreadable) io.warn(`unreadable: ${entry}`);
    const everything = { history: true, expired: true };
    if (key !== null && file !== undefined) {
      const doc = await vault.exportEntries(undefined, everything);
      const { encryptAge } = await loadAge();
      const encrypted = await encryptAge(doc, key, args.values.armor === true);
      await writeUserFile(file, encrypted, args.values.force === true);
      io.warn(
        `saved ${doc.entries.length} secrets and ${
          countVersions(doc)
        } earlier versions to ${file}: secrets restore ${file} reads them back`,
      );
      return EXIT.ok;
    }
    if (format === "json") {
      const doc = await vault.exportEntries(undefined, everything);
      io.write(`${JSON.stringify(doc, null, 2)}\n`);
      io.warn(`printed ${doc.entries.length} secrets as a lossless document`);
      return EXIT.ok;
    }
    const pairs = await readableSecrets(vault, io);
    writeSecrets(io, pairs, format, false);
    io.warn(
      `printed the ${pairs.length} live text secrets that decrypt, under environment names; --backup keeps everything`,
    );
    return EXIT.ok;
  },
};
