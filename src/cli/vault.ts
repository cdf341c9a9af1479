/**
 * The commands on the vault as a whole: `info`, `destroy` and `recover`.
 *
 * @module
 */

import { DecryptionError } from "../errors.ts";
import type { SecretsEngine } from "../engine.ts";
import { type Command, EXIT, Failure, UsageError } from "./command.ts";
import { warn, write } from "./io.ts";
import { checkFormat, refuseTerminal, writeSecrets } from "./transfer.ts";

/** `info`: where the vault is and what state it is in. */
export const info: Command = {
  usage: "info",
  summary:
    "show the vault's path, size, binding factors, unlocking slot, format, history limit and seal state",
  options: [],
  operands: [0, 0],
  async run({ open }): Promise<number> {
    await using vault = await open();
    const facts = await vault.info();
    write(
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

/** `destroy`: removes the vault after confirmation. */
export const destroy: Command = {
  usage: "destroy [--yes]",
  summary:
    "delete the vault and every secret in it, after confirmation (works on a damaged vault too)",
  options: ["yes"],
  operands: [0, 0],
  async run({ args, open }): Promise<number> {
    if (!args.values.yes && !Deno.stdin.isTerminal()) {
      throw new UsageError(
        "destroy asks for confirmation: pass --yes when not at a terminal",
      );
    }
    // Opened for recovery, so that a vault failing verification can go too.
    const vault = await open({ recover: true });
    if (!args.values.yes) {
      const count = vault.size;
      const answer = prompt(
        `Destroy ${count} secret${
          count === 1 ? "" : "s"
        } in ${vault.storagePath}? Type "yes" to confirm:`,
      );
      if (answer !== "yes") {
        await vault.close();
        throw new Failure("not destroyed");
      }
    }
    await vault.destroy();
    warn("destroyed");
    return EXIT.ok;
  },
};

async function readableSecrets(
  vault: SecretsEngine,
): Promise<[string, string][]> {
  const pairs: [string, string][] = [];
  const bytes: string[] = [];
  for (const name of await vault.keys()) {
    try {
      const entry = await vault.getEntry(name);
      if (typeof entry?.value === "string") pairs.push([name, entry.value]);
      else if (entry !== null) bytes.push(JSON.stringify(name));
    } catch (error) {
      if (!(error instanceof DecryptionError)) throw error;
    }
  }
  if (bytes.length > 0) {
    warn(
      `not exported: ${
        bytes.join(", ")
      } (bytes, which env and json output cannot hold)`,
    );
  }
  return pairs;
}

/** `recover`: what is damaged, and every secret that is not, exported. */
export const recover: Command = {
  usage: "recover [--format env|json] [--force]",
  summary:
    "open a vault that fails verification read-only, report what is damaged, export what is intact",
  options: ["format", "force"],
  operands: [0, 0],
  async run({ args, open }): Promise<number> {
    const format = checkFormat(args.values.format);
    refuseTerminal(args.values.force);
    await using vault = await open({ recover: true });
    const report = vault.recovery;
    if (report === null) throw new Error("a recovery open gave no report");
    for (const problem of report.problems) warn(`damaged: ${problem}`);
    for (const label of report.unreadable) warn(`unreadable: ${label}`);
    const pairs = await readableSecrets(vault);
    writeSecrets(pairs, format, false);
    warn(
      report.intact
        ? `the vault is intact; exported all ${pairs.length} secrets`
        : `exported the ${pairs.length} secrets that decrypt and authenticate`,
    );
    return EXIT.ok;
  },
};
