/**
 * The commands that move secrets in and out in clear: `import` from a
 * dotenv file and `export` as shell-quoted dotenv or JSON.
 *
 * @module
 */

import { parseDocument } from "../../rules/document.ts";
import { SecretsEngineError } from "../../errors.ts";
import { validateName, validateValue } from "../../rules/validate.ts";
import type { Io } from "../streams.ts";
import { type Command, EXIT, Failure, UsageError } from "../command.ts";
import { formatDotenv, literalWarning, parseDotenv } from "../dotenv.ts";
import { readSecrets, toEnvironment } from "../environment.ts";

const PROGRESS_THRESHOLD = 1000;

function secretsLabel(count: number): string {
  return `${count} secret${count === 1 ? "" : "s"}`;
}

/** Whether `text` is JSON (an export document) rather than dotenv. */
function isDocument(text: string): boolean {
  return text.trimStart().startsWith("{");
}

/** `import FILE`: a dotenv file or an export document, in one transaction. */
export const importFile: Command = {
  usage: "import FILE|- [--prefix PREFIX]",
  summary:
    "import a dotenv file or an export document (- for stdin) in one transaction: all of it or, on any bad line, none",
  details: `
A file that starts with { is read as the JSON document secrets recover
--format json prints (names, kinds, expiry and earlier versions kept);
anything else as dotenv. A name the vault already holds is an error that
lists them all, and nothing is written.`,
  options: ["prefix"],
  operands: [1, 1],
  async run({ args, open, io }): Promise<number> {
    const [file] = args.operands;
    const prefix = args.values.prefix ?? "";
    const text = await io.readText(file);
    if (isDocument(text)) {
      if (prefix !== "") {
        throw new UsageError("--prefix applies to dotenv files only");
      }
      const doc = parseDocument(text);
      await using vault = await open({ create: true });
      const count = await vault.importEntries(doc);
      io.warn(`imported ${secretsLabel(count)}`);
      return EXIT.ok;
    }
    const { entries, errors, literal } = parseDotenv(text);
    const literalNote = literalWarning(file, literal);
    if (literalNote !== null) io.warn(literalNote);
    const problems = errors.map(({ line, message }) =>
      `${file}:${line}: ${message}`
    );
    const lines = new Map<string, number[]>();
    for (const entry of entries) {
      try {
        validateName(prefix + entry.key);
        validateValue(entry.value);
      } catch (error) {
        if (!(error instanceof SecretsEngineError)) throw error;
        problems.push(`${file}:${entry.line}: ${error.message}`);
      }
      lines.set(entry.key, [...lines.get(entry.key) ?? [], entry.line]);
    }
    if (problems.length > 0) {
      for (const problem of problems) io.warn(problem);
      throw new Failure(`nothing imported: ${problems.length} bad line(s)`);
    }
    for (const [key, at] of lines) {
      if (at.length > 1) {
        io.warn(
          `${key} is set on lines ${at.join(", ")} of ${file}: the last wins`,
        );
      }
    }
    if (lines.size >= PROGRESS_THRESHOLD) {
      io.warn(`importing ${secretsLabel(lines.size)} in one transaction…`);
    }
    await using vault = await open({ create: true });
    await vault.setMany(
      entries.map(({ key, value }) => [prefix + key, value] as const),
    );
    io.warn(`imported ${secretsLabel(lines.size)}`);
    return EXIT.ok;
  },
};

/** Refuses to print secrets to a terminal unless forced. */
export function refuseTerminal(io: Io, force: boolean | undefined): void {
  if (io.streams.stdout.isTerminal() && !force) {
    throw new Failure(
      "refusing to print secrets to a terminal: redirect or pipe the output, or pass --force",
    );
  }
}

/** Writes pairs as shell-quoted dotenv (environment names) or JSON. */
export function writeSecrets(
  io: Io,
  pairs: [string, string][],
  format: string,
  explicit: boolean,
): void {
  if (format === "json") {
    io.write(`${JSON.stringify(Object.fromEntries(pairs), null, 2)}\n`);
  } else {
    io.write(formatDotenv(toEnvironment(pairs, explicit, io.warn)));
  }
}

/** Checks `--format`. */
export function checkFormat(format = "env"): string {
  if (format !== "env" && format !== "json") {
    throw new UsageError("--format is env or json");
  }
  return format;
}

/** `export [PATTERN]`: prints secrets for a shell or a program. */
export const exportSecrets: Command = {
  usage: "export [PATTERN] [--format env|json] [--force]",
  summary:
    "print secrets as shell-quoted dotenv (env names) or JSON; refuses a terminal without --force",
  options: ["format", "force"],
  operands: [0, 1],
  async run({ args, open, io }): Promise<number> {
    const format = checkFormat(args.values.format);
    refuseTerminal(io, args.values.force);
    const [pattern] = args.operands;
    await using vault = await open();
    const pairs = await readSecrets(
      vault,
      pattern ? [pattern] : [],
      "dotenv",
      io.warn,
    );
    writeSecrets(io, pairs, format, pattern !== undefined);
    return EXIT.ok;
  },
};
