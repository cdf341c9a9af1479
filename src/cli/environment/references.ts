/**
 * Secret references: `secrets://NAME` in a dotenv file or a `{{ … }}`
 * template names a secret in the vault instead of holding it, so the file
 * can be committed and the value is filled in only when a program runs or a
 * config is rendered.
 *
 * NAME is the secret's name with `%`, whitespace, `{` and `}` written as
 * percent escapes (`%25`, `%20`, `%7B`, `%7D`); any other `%XX` is decoded
 * too, and every other character stands for itself (`secrets://db.url`,
 * `secrets://team%20keys.prod`).
 *
 * @module
 */

import { Failure } from "../failures.ts";

/** What every reference starts with. */
export const SCHEME = "secrets://";

const OPEN = "{{";
const CLOSE = "}}";
const NEEDS_ESCAPE = /[%\s{}]/gu;

/**
 * The secret name a reference names, or `null` when `text` is not a
 * reference. A malformed escape is a {@linkcode Failure}.
 *
 * @example Read the name a reference names
 * ```ts
 * import { parseReference } from "./references.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseReference("secrets://team%20keys.prod"), "team keys.prod");
 * assert.equal(parseReference("plain value"), null);
 * ```
 */
export function parseReference(text: string): string | null {
  if (!text.startsWith(SCHEME)) return null;
  const encoded = text.slice(SCHEME.length);
  try {
    return decodeURIComponent(encoded);
  } catch {
    throw new Failure(`malformed percent escape in the reference ${text}`);
  }
}

/**
 * The reference to a secret name.
 *
 * @example Write a reference, escaping what needs it
 * ```ts
 * import { formatReference } from "./references.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatReference("a b}"), "secrets://a%20b%7D");
 * ```
 */
export function formatReference(name: string): string {
  return SCHEME + name.replace(NEEDS_ESCAPE, encodeURIComponent);
}

/** One `{{ … }}` of a template: where it is and what it holds. */
interface Slot {
  start: number;
  end: number;
  name: string | null;
}

function position(text: string, offset: number): string {
  const before = text.slice(0, offset).split("\n");
  return `line ${before.length}, column ${
    before[before.length - 1].length + 1
  }`;
}

function slots(text: string, file: string): Slot[] {
  const found: Slot[] = [];
  for (let at = text.indexOf(OPEN); at >= 0; at = text.indexOf(OPEN, at)) {
    const close = text.indexOf(CLOSE, at + OPEN.length);
    if (close < 0) {
      throw new Failure(
        `${file}: the "{{" at ${position(text, at)} is never closed`,
      );
    }
    const inner = text.slice(at + OPEN.length, close).trim();
    found.push({
      start: at,
      end: close + CLOSE.length,
      name: parseReference(inner),
    });
    at = close + CLOSE.length;
  }
  return found;
}

/** A template, read: the secret names it references, and how to fill it. */
export interface Template {
  /** Every name referenced, once each, in order of first use. */
  names: string[];
  /** How many `{{ … }}` hold something other than a reference. */
  others: number;
  /** The text with each reference replaced by its value. */
  render(values: ReadonlyMap<string, string>): string;
}

/**
 * Reads a template: `{{ secrets://NAME }}` (spaces inside the braces
 * optional) is a reference. Any other `{{ … }}` is left as it is, since
 * templates often carry another tool's placeholders; an unclosed `{{` is a
 * {@linkcode Failure} naming its line and column in `file`.
 *
 * @example Find the references of a template and render it
 * ```ts
 * import { readTemplate } from "./references.ts";
 * import assert from "node:assert/strict";
 * const template = readTemplate("url={{ secrets://db.url }} {{ keep }}", "app.tpl");
 * const text = template.render(new Map([["db.url", "postgres://x"]]));
 * assert.equal(text, "url=postgres://x {{ keep }}");
 * ```
 */
export function readTemplate(text: string, file: string): Template {
  const found = slots(text, file);
  const references = found.filter((slot) => slot.name !== null);
  return {
    names: [...new Set(references.map((slot) => slot.name as string))],
    others: found.length - references.length,
    render(values): string {
      let out = "";
      let from = 0;
      for (const { start, end, name } of references) {
        out += text.slice(from, start) + (values.get(name as string) ?? "");
        from = end;
      }
      return out + text.slice(from);
    },
  };
}
