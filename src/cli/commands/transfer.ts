/**
 * The commands that move secrets in and out in clear: `import` from a
 * dotenv file and `export` as shell-quoted dotenv or JSON.
 *
 * @module
 */

import { checkDocument, DOCUMENT_TYPE } from "../../rules/document.ts";
import { SecretsEngineError } from "../../errors.ts";
import { validateName, validateValue } from "../../rules/validate.ts";
import type { Io } from "../streams.ts";
import type { Command } from "../command.ts";
import { EXIT, Failure, UsageError } from "../failures.ts";
import {
  formatDotenv,
  literalWarning,
  parseDotenv,
} from "../environment/dotenv.ts";
import { readSecrets, toEnvironment } from "../environment/environment.ts";
import { SCHEME } from "../environment/references.ts";
import { progress } from "../terminal/progress.ts";
import { maskForCi } from "../running/ci_mask.ts";

function secretsLabel(count: number): string {
  return `${count} secret${count === 1 ? "" : "s"}`;
}

/** Whether `text` is JSON (an export document, or a JSON export) rather than dotenv. */
function isJson(text: string): boolean {
  return text.trimStart().startsWith("{");
}

/** A pair to import, and where it was read (a line, or a JSON key). */
interface Imported {
  name: string;
  value: string;
  where: string;
}

/**
 * The pairs of a JSON object of names to text values, as `export --format
 * json` prints it; anything else is a {@linkcode Failure}.
 */
function jsonPairs(input: unknown, file: string): Imported[] {
  const object = typeof input === "object" && input !== null &&
      !Array.isArray(input)
    ? input as Record<string, unknown>
    : null;
  const pairs = Object.entries(object ?? {});
  if (object === null || pairs.some(([, v]) => typeof v !== "string")) {
    throw new Failure(
      `${file} is JSON but neither an export document nor an object of names to text values (what export --format json prints): nothing imported`,
    );
  }
  return pairs.map(([name, value]) => ({
    name,
    value: value as string,
    where: `${file}: ${JSON.stringify(name)}`,
  }));
}

/** The pairs of a dotenv file, its problems printed: a bad line fails all. */
function dotenvPairs(io: Io, text: string, file: string): Imported[] {
  const { entries, errors, literal } = parseDotenv(text);
  const literalNote = literalWarning(file, literal);
  if (literalNote !== null) io.warn(literalNote);
  for (const { line, message } of errors) {
    io.warn(`${file}:${line}: ${message}`);
  }
  if (errors.length > 0) {
    throw new Failure(`nothing imported: ${errors.length} bad line(s)`);
  }
  const lines = new Map<string, number[]>();
  for (const entry of entries) {
    lines.set(entry.key, [...lines.get(entry.key) ?? [], entry.line]);
  }
  for (const [key, at] of lines) {
    if (at.length > 1) {
      io.warn(
        `${key} is set on lines ${at.join(", ")} of ${file}: the last wins`,
      );
    }
  }
  return entries.map(({ key, value, line }) => ({
    name: key,
    value,
    where: `${file}:${line}`,
  }));
}

/**
 * The problems of each pair, printed: a bad name or value, or a value that
 * is a `secrets://` reference (a committed template, whose import would
 * replace the real value with the reference).
 */
function checkPairs(io: Io, pairs: readonly Imported[]): void {
  let problems = 0;
  for (const { name, value, where } of pairs) {
    try {
      validateName(name);
      validateValue(value);
    } catch (error) {
      if (!(error instanceof SecretsEngineError)) throw error;
      io.warn(`${where}: ${error.message}`);
      problems++;
      continue;
    }
    if (value.startsWith(SCHEME)) {
      io.warn(
        `${where}: the value is a ${SCHEME} reference: this is a template, use run --env-file or inject`,
      );
      problems++;
    }
  }
  if (problems > 0) {
    throw new Failure(`nothing imported: ${problems} bad line(s)`);
  }
}

/** `import FILE`: a dotenv file or an export document, in one transaction. */
export const importFile: Command = {
  usage: "import FILE|- [--prefix PREFIX] [--overwrite]",
  summary:
    "import a dotenv file, a JSON export or an export document (- for stdin) in one transaction: all of it or, on any bad line, none",
  details: `
A file that starts with { is JSON: the document secrets recover --format
json prints (names, kinds, expiry and earlier versions kept), or the object
of names to values secrets export --format json prints; anything else is
dotenv. A name the vault already holds is an error that lists them all, and
nothing is written, unless --overwrite is given; a value equal to the one
stored writes nothing. A value that is a secrets:// reference is refused:
such a file is a template, for run --env-file or inject.`,
  options: ["prefix", "overwrite"],
  operands: [1, 1],
  async run({ args, open, io }): Promise<number> {
    const [file] = args.operands;
    const prefix = args.values.prefix ?? "";
    const overwrite = args.values.overwrite === true;
    const text = await io.readText(file);
    const input = isJson(text) ? parseJson(text, file) : undefined;
    if (isDocumentLike(input)) {
      if (prefix !== "") {
        throw new UsageError("--prefix applies to dotenv files only");
      }
      const doc = checkDocument(input);
      await using vault = await open({ create: true });
      const shown = progress(io, "import", "entries");
      const count = await vault.importEntries(doc, {
        overwrite,
        onProgress: (done, total) => shown.update(done, total),
      }).finally(() => shown.end());
      io.warn(`imported ${secretsLabel(count)}`);
      return EXIT.ok;
    }
    const pairs =
      (input === undefined
        ? dotenvPairs(io, text, file)
        : jsonPairs(input, file)).map((pair) => ({
          ...pair,
          name: prefix + pair.name,
        }));
    checkPairs(io, pairs);
    const count = new Set(pairs.map(({ name }) => name)).size;
    await using vault = await open({ create: true });
    const shown = progress(io, "import", "entries");
    await vault.setMany(
      pairs.map(({ name, value }) => [name, value] as const),
      { overwrite, onProgress: (done, total) => shown.update(done, total) },
    ).finally(() => shown.end());
    io.warn(`imported ${secretsLabel(count)}`);
    return EXIT.ok;
  },
};

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Failure(
      `${file} starts with { but is not JSON: nothing imported`,
    );
  }
}

/**
 * Whether `input` is meant as an export document: its `type` says so, or
 * it has a list of entries (a JSON export maps names to text, never to a
 * list). A malformed document is then refused as one.
 */
function isDocumentLike(input: unknown): boolean {
  if (typeof input !== "object" || input === null) return false;
  const { type, entries } = input as Record<string, unknown>;
  return type === DOCUMENT_TYPE || Array.isArray(entries);
}

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
  options: ["format", "force", "no-ci-mask"],
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
    maskForCi(io, pairs.map(([, value]) => value), args.values["no-ci-mask"]);
    writeSecrets(io, pairs, format, pattern !== undefined);
    return EXIT.ok;
  },
};
