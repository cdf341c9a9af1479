/**
 * The commands on single secrets: `set`, `get`, `list`, `has`, `delete`.
 *
 * @module
 */

import type { SecretsEngine } from "../../../mod.ts";
import { MAX_VALUE_BYTES } from "../../limits.ts";
import { validateName } from "../../rules/validate.ts";
import type { Command, Parsed } from "../command.ts";
import { EXIT, Failure, UsageError } from "../failures.ts";
import type { Io } from "../streams.ts";
import { expiryOptions, formatTime } from "../options/expiry_flags.ts";
import { setAnnotation } from "../options/annotation_flags.ts";
import { readUserBytes, writeUserFile } from "../io.ts";
import { promptHidden } from "../terminal/prompt.ts";
import { didYouMean } from "../terminal/suggest.ts";
import { formatTable } from "../terminal/table.ts";
import { maskForCi } from "../running/ci_mask.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A file's value (`-` for stdin): text when it is valid UTF-8 (a PEM key,
 * a CA bundle), bytes when it is not or `bytes` asks for them.
 */
async function readFileValue(
  io: Io,
  file: string,
  bytes: boolean,
): Promise<string | Uint8Array> {
  const read = file === "-"
    ? await io.readStdinBytes(MAX_VALUE_BYTES)
    : await readUserBytes(file, MAX_VALUE_BYTES);
  if (bytes) return read;
  try {
    const text = utf8.decode(read);
    read.fill(0);
    return text;
  } catch {
    io.warn(
      `stored as bytes: ${file === "-" ? "stdin" : file} is not UTF-8 text`,
    );
    return read;
  }
}

async function readValue(
  io: Io,
  name: string,
  args: Parsed,
): Promise<string | Uint8Array> {
  const { file, value, bytes } = args.values;
  if (file !== undefined && value !== undefined) {
    throw new UsageError("give --file or --value, not both");
  }
  if (bytes && file === undefined) {
    throw new UsageError("--bytes goes with --file");
  }
  if (file !== undefined) return await readFileValue(io, file, bytes === true);
  if (value !== undefined) {
    io.warn(
      "--value puts the secret in this command's arguments, which every user of this machine can read (ps, /proc/PID/cmdline) while it runs, and in your shell history: prefer a pipe or the prompt",
    );
    return value;
  }
  if (!io.streams.stdin.isTerminal()) {
    // Room for the newline a pipe adds; the engine checks the value's size.
    return (await io.readStdin(MAX_VALUE_BYTES + 2)).replace(/\r?\n$/, "");
  }
  const typed = await promptHidden(io, `Value for ${name}: `);
  if (typed === "") {
    // At a terminal an empty answer is far likelier a slip than a value.
    throw new Failure(
      "nothing was typed: nothing was stored; to store an empty value, pipe it: secrets set NAME < /dev/null",
    );
  }
  return typed;
}

/**
 * `set NAME`: stores a value from stdin, `--value`, a no-echo prompt, or
 * (as bytes) a file.
 */
export const set: Command = {
  usage:
    "set NAME [--value VALUE | --file FILE [--bytes]] [--ttl 30d | --expires 2027-01-31] [--note TEXT] [--tag T]… [--rotate-every 90d]",
  summary:
    "store a secret; the value comes from stdin when piped, else a prompt without echo; --file reads a file",
  details: `
The value set before is kept as an earlier version (see history).
  --file FILE     store FILE (- for stdin): as text when it is UTF-8 (a
                  PEM key), else as bytes; needs --allow-read=FILE
  --bytes         with --file, store bytes even when the file is text
  --ttl D         expire after D: a number and s, m, h, d or w (30d)
  --expires T     expire at T: a date (2027-01-31, UTC midnight) or a
                  time with its zone (2027-01-31T18:00:00+01:00)
  --note TEXT     where it comes from, how to rotate it (kept by later
                  values until changed; secrets meta changes it alone)
  --tag T         tag it (replaces its tags), repeatable
  --rotate-every D  due for rotation when the value is older than D
An expired secret reads as absent; list --expired shows it.`,
  options: [
    "value",
    "file",
    "bytes",
    "ttl",
    "expires",
    "note",
    "tag",
    "rotate-every",
  ],
  tooManyOperands:
    "set takes the value from a pipe, a prompt, --file FILE or --value VALUE, never as a word after the name: printf '%s' \"$VALUE\" | secrets set NAME",
  operands: [1, 1],
  takesNames: true,
  async run({ args, open, io }): Promise<number> {
    const [name] = args.operands;
    validateName(name);
    const expiry = expiryOptions(args);
    const options = { ...expiry, ...setAnnotation(args) };
    const value = await readValue(io, name, args);
    await using vault = await open({ create: true });
    await vault.set(name, value, options);
    if (expiry !== undefined) {
      const [current] = await vault.history(name);
      io.warn(`expires ${formatTime(current?.expiresAt ?? null)}`);
    }
    return EXIT.ok;
  },
};

function checkOut(args: Parsed): void {
  if (args.values.force && args.values.out === undefined) {
    throw new UsageError(
      "--force goes with --out: it lets --out replace a file",
    );
  }
}

async function readRequested(
  vault: SecretsEngine,
  name: string,
  version: string | undefined,
): Promise<string | Uint8Array> {
  if (version !== undefined && !/^[1-9][0-9]{0,15}$/.test(version)) {
    throw new UsageError(`--version ${version}: give a version number from 1`);
  }
  const found = version === undefined
    ? await vault.getEntry(name)
    : await vault.getVersion(name, Number(version));
  if (found !== null) return found.value;
  if (version !== undefined) {
    throw new Failure(
      `no version ${version} of that secret is kept (see secrets history NAME)`,
    );
  }
  // An expired secret reads as absent, but its versions are still listed.
  const [expired] = await vault.history(name);
  if (expired !== undefined) {
    throw new Failure(
      `that secret expired at ${
        formatTime(expired.expiresAt)
      } (secrets revert NAME ${expired.version} --ttl 30d brings it back)`,
    );
  }
  throw new Failure(
    `no secret with that name${didYouMean(name, await vault.keys("**"))}`,
  );
}

/** `get NAME`: prints a value, or writes it to a file. */
export const get: Command = {
  usage: "get NAME [--version N] [--out FILE [--force]]",
  summary:
    "print a secret's value, or write it to FILE with mode 0600 (exit 1 when there is none)",
  details: `
  --version N   an earlier version (see history)
  --out FILE    write the value to FILE, mode 0600; an existing FILE is
                replaced only with --force
A bytes secret is written to a pipe or with --out, never to a terminal.`,
  options: ["version", "out", "force", "no-ci-mask"],
  operands: [1, 1],
  takesNames: true,
  async run({ args, open, io }): Promise<number> {
    checkOut(args);
    await using vault = await open();
    const value = await readRequested(
      vault,
      args.operands[0],
      args.values.version,
    );
    const { out, force } = args.values;
    maskForCi(io, [value], args.values["no-ci-mask"]);
    if (out !== undefined) await writeUserFile(out, value, force === true);
    else if (typeof value === "string") {
      io.write(io.streams.stdout.isTerminal() ? `${value}\n` : value);
    } else if (io.streams.stdout.isTerminal()) {
      throw new Failure(
        "that secret holds bytes, which a terminal would mangle: write it with --out FILE, or pipe it",
      );
    } else io.writeBytes(value);
    return EXIT.ok;
  },
};

async function longListing(
  vault: SecretsEngine,
  names: readonly string[],
): Promise<string> {
  const rows: string[][] = [];
  for (const name of names) {
    const versions = await vault.history(name);
    const entry = await vault.getMeta(name);
    const [current] = versions;
    if (current === undefined) continue;
    rows.push([
      name,
      current.kind,
      formatTime(current.updated),
      formatTime(current.expiresAt),
      String(versions.length),
      formatTime(entry?.rotationDue ?? null),
      entry?.tags.join(",") || "-",
    ]);
  }
  return formatTable(
    ["NAME", "KIND", "UPDATED", "EXPIRES", "VERSIONS", "ROTATE BY", "TAGS"],
    rows,
  );
}

/** The names `pattern` matches, of any of `tags` when given. */
async function taggedKeys(
  vault: SecretsEngine,
  pattern: string | undefined,
  expired: boolean,
  tags: readonly string[] | undefined,
): Promise<string[]> {
  if (tags === undefined) return await vault.keys(pattern, { expired });
  const found = new Set<string>();
  for (const tag of tags) {
    for (const name of await vault.keys(pattern, { expired, tag })) {
      found.add(name);
    }
  }
  return [...found].sort();
}

/** `list [PATTERN]`: prints names, or with `--long` a table of facts. */
export const list: Command = {
  usage: "list [PATTERN] [--long] [--expired] [--tag T]",
  summary:
    "print the names (never the values), optionally matching a glob ('**' for all)",
  details: `
  --long      a table: name, kind, last update, expiry, versions kept,
              rotation due date, tags
  --expired   only the secrets that have expired (purge-expired removes them)
  --tag T     only the secrets tagged T (repeat for any of several)`,
  options: ["long", "expired", "tag"],
  operands: [0, 1],
  async run({ args, open, io }): Promise<number> {
    await using vault = await open();
    const [pattern] = args.operands;
    const expired = args.values.expired === true;
    const names = await taggedKeys(vault, pattern, expired, args.values.tag);
    if (args.values.long) io.write(await longListing(vault, names));
    else if (names.length > 0) io.write(`${names.join("\n")}\n`);
    const acrossDots = pattern?.replaceAll(/\*+/g, "**");
    if (
      names.length === 0 && pattern !== undefined && acrossDots !== pattern &&
      (await vault.keys(acrossDots, { expired })).length > 0
    ) {
      io.warn(
        `nothing matches ${pattern}: * stops at a dot; ${acrossDots} matches across dots`,
      );
    }
    return EXIT.ok;
  },
};

/** `has NAME`: answers by exit code. */
export const has: Command = {
  usage: "has NAME",
  summary: "exit 0 when the secret exists, 1 when not; prints nothing",
  options: [],
  operands: [1, 1],
  takesNames: true,
  async run({ args, open }): Promise<number> {
    await using vault = await open();
    return await vault.has(args.operands[0]) ? EXIT.ok : EXIT.failed;
  },
};

/** `delete NAME`: removes a secret. */
export const remove: Command = {
  usage: "delete NAME",
  summary: "remove a secret (exit 1 when there was none)",
  options: [],
  operands: [1, 1],
  takesNames: true,
  async run({ args, open }): Promise<number> {
    await using vault = await open();
    if (!await vault.delete(args.operands[0])) {
      throw new Failure("no secret with that name");
    }
    return EXIT.ok;
  },
};
