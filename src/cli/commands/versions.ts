/**
 * The commands on a secret's versions and expiry: `history`, `revert`,
 * `history-limit` and `purge-expired`.
 *
 * @module
 */

import { MAX_HISTORY_LIMIT } from "../../limits.ts";
import type { Command } from "../command.ts";
import { EXIT, Failure, UsageError } from "../failures.ts";
import { expiryOptions, formatTime } from "../options/expiry_flags.ts";
import { formatTable } from "../terminal/table.ts";

const VERSION = /^[1-9][0-9]{0,15}$/;

/** `history NAME`: the stored versions, newest first; never a value. */
export const history: Command = {
  usage: "history NAME",
  summary:
    "list a secret's stored versions, the current one first (never the values)",
  details: `
Read one with: secrets get NAME --version N; make one current again with:
secrets revert NAME N. How many earlier versions are kept is the vault's
history limit (secrets info shows it).`,
  options: [],
  operands: [1, 1],
  takesNames: true,
  async run({ args, open, io }): Promise<number> {
    await using vault = await open();
    const versions = await vault.history(args.operands[0]);
    if (versions.length === 0) throw new Failure("no secret with that name");
    const rows = versions.map((version, at) => [
      String(version.version),
      version.kind,
      formatTime(version.updated),
      formatTime(version.expiresAt),
      at === 0 ? "current" : "",
    ]);
    io.write(formatTable(["VERSION", "KIND", "UPDATED", "EXPIRES", ""], rows));
    return EXIT.ok;
  },
};

/** `revert NAME N`: makes version N current again, as a new version. */
export const revert: Command = {
  usage: "revert NAME N [--ttl 30d | --expires 2027-01-31]",
  summary:
    "make version N of a secret current again, as a new version (the current one is kept)",
  details: `
The version keeps the expiry it had, unless --ttl or --expires gives one;
a version whose expiry has passed needs one.`,
  options: ["ttl", "expires"],
  operands: [2, 2],
  async run({ args, open, io }): Promise<number> {
    const [name, version] = args.operands;
    if (!VERSION.test(version)) {
      throw new UsageError(`${version} is not a version number (from 1)`);
    }
    const options = expiryOptions(args);
    await using vault = await open();
    const versions = await vault.history(name);
    if (versions.length === 0) throw new Failure("no secret with that name");
    const target = versions.find((stored) =>
      stored.version === Number(version)
    );
    if (target === undefined) {
      throw new Failure(
        `no version ${version} of that secret is kept: it was never written or the history limit pruned it (see secrets history NAME)`,
      );
    }
    const expiry = target.expiresAt;
    if (options === undefined && expiry !== null && expiry <= new Date()) {
      throw new Failure(
        `version ${version} expired at ${
          formatTime(expiry)
        }: give --ttl or --expires to revert to it`,
      );
    }
    const next = await vault.revert(name, Number(version), options);
    io.warn(`version ${next} now holds the value of version ${version}`);
    return EXIT.ok;
  },
};

/** `purge-expired`: removes every expired secret with its history. */
export const purgeExpired: Command = {
  usage: "purge-expired",
  summary: "remove every expired secret with its earlier versions",
  options: [],
  operands: [0, 0],
  async run({ open, io }): Promise<number> {
    await using vault = await open();
    const count = await vault.purgeExpired();
    io.warn(`purged ${count} expired secret${count === 1 ? "" : "s"}`);
    return EXIT.ok;
  },
};

/** `history-limit [N]`: shows, or sets, how many earlier versions are kept. */
export const historyLimit: Command = {
  usage: "history-limit [N]",
  summary:
    "show how many earlier versions of each secret the vault keeps, or set it (0 keeps none; prunes at once)",
  options: [],
  operands: [0, 1],
  async run({ args, open, io }): Promise<number> {
    const [limit] = args.operands;
    if (
      limit !== undefined &&
      !(/^(0|[1-9][0-9]*)$/.test(limit) && Number(limit) <= MAX_HISTORY_LIMIT)
    ) {
      throw new UsageError(
        `${limit} is not a number of versions from 0 to ${MAX_HISTORY_LIMIT}`,
      );
    }
    await using vault = await open();
    if (limit === undefined) {
      io.write(`${(await vault.info()).historyLimit}\n`);
    } else {
      await vault.setHistoryLimit(Number(limit));
      io.warn(
        `keeping ${limit} earlier version${
          limit === "1" ? "" : "s"
        } of each secret`,
      );
    }
    return EXIT.ok;
  },
};
