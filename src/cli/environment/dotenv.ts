/**
 * Reading and writing dotenv files: `KEY=value` lines, an optional
 * `export ` prefix, `#` comments, and single-, double- or back-quoted values,
 * which may span lines. Double quotes understand `\n`, `\r`, `\t`, `\"` and
 * `\\`; single quotes are literal (a quote inside is written `'\''`). An
 * unquoted value ends at ` #`. A file's lines end at LF, at CRLF (every
 * line so: a value spanning lines then keeps LF alone), or at CR (a file
 * with no LF); a CR in an unquoted value of an LF file is refused. There is
 * no expansion: `${VAR}` is kept as written.
 *
 * @module
 */

/** A line of a dotenv file that could not be read. */
export interface DotenvError {
  /** 1-based line number. */
  line: number;
  /** What is wrong, never the line's value. */
  message: string;
}

/** One `KEY=value` of a dotenv file. */
export interface DotenvEntry {
  /** The key as written. */
  key: string;
  /** The value, unquoted and unescaped. */
  value: string;
  /** The 1-based line the entry starts on. */
  line: number;
}

/** What {@linkcode parseDotenv} found. */
export interface DotenvResult {
  /** The entries, in file order. */
  entries: DotenvEntry[];
  /** Every malformed line; when there are any, use none of the entries. */
  errors: DotenvError[];
  /** The lines whose value holds `${`, which this dialect keeps as written. */
  literal: number[];
}

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
// How a single quote is written inside a single-quoted shell word: close the
// quote, an escaped quote, open it again.
const SHELL_QUOTE = "'\\''";
const ESCAPES: Record<string, string> = {
  n: "\n",
  r: "\r",
  t: "\t",
  '"': '"',
  "\\": "\\",
};

const STRAY_CR =
  "the value holds a carriage return, which would hide what follows it (mixed line ends?): convert the file to LF line ends, or quote the value";

/**
 * The text with LF line ends. A file whose every LF follows a CR is a CRLF
 * file; one with CRs and no LF at all, an old Mac file; in both, the CRs
 * are line ends. Otherwise a CR is text: inside quotes it is part of the
 * value (`export` writes one so, for shells to give it back), and outside
 * them the line is refused rather than read as two assignments in one.
 */
function lineEnds(text: string): string {
  const lf = text.split("\n").length - 1;
  const crlf = text.split("\r\n").length - 1;
  if (lf > 0 && lf === crlf) return text.replaceAll("\r\n", "\n");
  if (lf === 0) return text.replaceAll("\r", "\n");
  return text;
}

/** Finds the closing quote of a value that starts at `lines[start]`. */
function readQuoted(
  lines: string[],
  start: number,
  rest: string,
): { value: string; end: number; after: string } | null {
  const quote = rest[0];
  let text = rest.slice(1);
  let value = "";
  let i = 0;
  for (let end = start; end < lines.length; end++) {
    for (; i < text.length; i++) {
      const char = text[i];
      if (quote === '"' && char === "\\" && i + 1 < text.length) {
        value += ESCAPES[text[i + 1]] ?? `\\${text[i + 1]}`;
        i++;
      } else if (quote === "'" && text.startsWith(SHELL_QUOTE, i)) {
        value += "'";
        i += SHELL_QUOTE.length - 1;
      } else if (char === quote) {
        return { value, end, after: text.slice(i + 1) };
      } else {
        value += char;
      }
    }
    if (end + 1 < lines.length) {
      text += `\n${lines[end + 1]}`;
      lines[end + 1] = "";
    }
  }
  return null;
}

/**
 * Parses a dotenv file. Malformed lines are reported with their numbers;
 * a caller importing should import nothing when there are any.
 *
 * @example Parse dotenv lines into entries
 * ```ts
 * import { parseDotenv } from "./dotenv.ts";
 * import assert from "node:assert/strict";
 * const { entries, errors } = parseDotenv('export A=1\n# note\nB="two\\nlines"\n');
 * assert.equal(errors.length, 0);
 * assert.equal(entries[1].value, "two\nlines");
 * ```
 */
export function parseDotenv(text: string): DotenvResult {
  const lines = lineEnds(text).split("\n");
  const entries: DotenvEntry[] = [];
  const errors: DotenvError[] = [];
  const literal: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    // Only the start is trimmed here: a quoted value keeps trailing spaces.
    const line = lines[i].trimStart();
    if (line.trim() === "" || line.startsWith("#")) continue;
    const body = line.replace(/^export\s+/, "");
    const eq = body.indexOf("=");
    if (eq < 0) {
      errors.push({ line: i + 1, message: "expected KEY=value" });
      continue;
    }
    const key = body.slice(0, eq).trim();
    if (!KEY.test(key)) {
      errors.push({ line: i + 1, message: "the key is not a valid name" });
      continue;
    }
    const rest = body.slice(eq + 1).trimStart();
    if (rest[0] === '"' || rest[0] === "'" || rest[0] === "`") {
      const quoted = readQuoted(lines, i, rest);
      if (quoted === null) {
        errors.push({
          line: i + 1,
          message: "the quoted value is never closed",
        });
        break;
      }
      const after = quoted.after.trim();
      if (after !== "" && !after.startsWith("#")) {
        const escaped = rest[0] === "'" && quoted.value.endsWith("\\");
        errors.push({
          line: i + 1,
          message: escaped
            ? `unexpected text after the closing quote: inside single quotes a backslash is literal, so write a quote as ${SHELL_QUOTE} ('b${SHELL_QUOTE}c'), or use double quotes ("b'c")`
            : "unexpected text after the closing quote",
        });
      }
      if (rest[0] !== "'" && quoted.value.includes("${")) literal.push(i + 1);
      entries.push({ key, value: quoted.value, line: i + 1 });
      i = quoted.end;
      continue;
    }
    const value = rest.trimEnd().replace(/\s+#.*$/, "");
    if (value.includes("\r")) {
      errors.push({ line: i + 1, message: STRAY_CR });
      continue;
    }
    if (value.includes("${")) literal.push(i + 1);
    entries.push({ key, value, line: i + 1 });
  }
  return { entries, errors, literal };
}

/**
 * The warning for values that hold `${`, once per file, or `null`: users
 * of other tools expect expansion, which this dialect does not do.
 *
 * @example Warn once about values that hold ${
 * ```ts
 * import { literalWarning } from "./dotenv.ts";
 * import assert from "node:assert/strict";
 * assert.equal(literalWarning(".env", []), null);
 * assert.match(literalWarning(".env", [3]) ?? "", /kept as written/);
 * ```
 */
export function literalWarning(
  file: string,
  lines: readonly number[],
): string | null {
  if (lines.length === 0) return null;
  return `${file}: line ${
    lines.join(", ")
  }: \${…} is kept as written; this dotenv dialect does no expansion`;
}

/**
 * Formats entries as `KEY='value'` lines quoted for POSIX shells: inside
 * single quotes nothing is special, and a quote is written `'\''`. So
 * `eval "$(secrets export)"` and `set -a; . ./file` give back every value
 * byte for byte (`$`, backquotes and newlines included), and
 * {@linkcode parseDotenv} reads the file back the same.
 *
 * @example Quote entries for a POSIX shell
 * ```ts
 * import { formatDotenv } from "./dotenv.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatDotenv([["A", "it's $HOME"]]), "A='it'\\''s $HOME'\n");
 * ```
 */
export function formatDotenv(
  entries: readonly (readonly [string, string])[],
): string {
  return entries.map(([key, value]) =>
    `${key}='${value.replaceAll("'", SHELL_QUOTE)}'\n`
  ).join("");
}
