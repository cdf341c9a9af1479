/**
 * Reading and writing dotenv files: `KEY=value` lines, an optional
 * `export ` prefix, `#` comments, and single-, double- or back-quoted values,
 * which may span lines. Double quotes understand `\n`, `\r`, `\t`, `\"` and
 * `\\`; single quotes are literal. An unquoted value ends at ` #`.
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
}

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const ESCAPES: Record<string, string> = {
  n: "\n",
  r: "\r",
  t: "\t",
  '"': '"',
  "\\": "\\",
};

function unescapeDouble(text: string): string {
  return text.replace(/\\([nrt"\\])/g, (_, c: string) => ESCAPES[c]);
}

/** Finds the closing quote of a value that starts at `lines[start]`. */
function readQuoted(
  lines: string[],
  start: number,
  rest: string,
): { value: string; end: number; after: string } | null {
  const quote = rest[0];
  let text = rest.slice(1);
  for (let end = start; end < lines.length; end++) {
    for (let i = 0; i < text.length; i++) {
      if (quote === '"' && text[i] === "\\") {
        i++;
        continue;
      }
      if (text[i] === quote) {
        const raw = text.slice(0, i);
        return {
          value: quote === '"' ? unescapeDouble(raw) : raw,
          end,
          after: text.slice(i + 1),
        };
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
 * @example
 * ```ts
 * import { parseDotenv } from "./dotenv.ts";
 * const { entries, errors } = parseDotenv('export A=1\n# note\nB="two\\nlines"\n');
 * console.assert(errors.length === 0 && entries[1].value === "two\nlines");
 * ```
 */
export function parseDotenv(text: string): DotenvResult {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const entries: DotenvEntry[] = [];
  const errors: DotenvError[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "" || line.startsWith("#")) continue;
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
    const rest = body.slice(eq + 1).trim();
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
        errors.push({
          line: i + 1,
          message: "unexpected text after the closing quote",
        });
      }
      entries.push({ key, value: quoted.value, line: i + 1 });
      i = quoted.end;
      continue;
    }
    entries.push({ key, value: rest.replace(/\s+#.*$/, ""), line: i + 1 });
  }
  return { entries, errors };
}

/**
 * Formats entries as dotenv lines, double-quoting and escaping every value
 * so that {@linkcode parseDotenv} reads back exactly what was written.
 *
 * @example
 * ```ts
 * import { formatDotenv, parseDotenv } from "./dotenv.ts";
 * const text = formatDotenv([["A", 'say "hi"\n']]);
 * console.assert(parseDotenv(text).entries[0].value === 'say "hi"\n');
 * ```
 */
export function formatDotenv(
  entries: readonly (readonly [string, string])[],
): string {
  return entries.map(([key, value]) => {
    const escaped = value
      .replace(/\\/g, "\\\\")
      .replace(/"/g, '\\"')
      .replace(/\n/g, "\\n")
      .replace(/\r/g, "\\r");
    return `${key}="${escaped}"\n`;
  }).join("");
}
