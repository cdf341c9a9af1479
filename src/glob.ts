/**
 * Glob patterns over dot-separated secret names: `*` matches within one
 * segment, `**` across segments, `?` one character other than a dot.
 *
 * @module
 */

const SPECIAL = /[\\^$.*+?()[\]{}|]/g;

function escape(text: string): string {
  return text.replace(SPECIAL, "\\$&");
}

/**
 * Compiles a glob to an anchored regular expression. `a.**.z` matches
 * `a.z` and `a.b.c.z`; `**` alone matches every name.
 *
 * @example
 * ```ts
 * import { globToRegExp } from "./glob.ts";
 * const re = globToRegExp("openai.*");
 * console.assert(re.test("openai.apiKey") && !re.test("openai.org.id"));
 * ```
 */
export function globToRegExp(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === "*" && pattern[i + 1] === "*") {
      const segmentEnd = pattern[i + 2] === ".";
      source += segmentEnd ? "(?:.*\\.)?" : ".*";
      i += segmentEnd ? 2 : 1;
    } else if (char === "*") {
      source += "[^.]*";
    } else if (char === "?") {
      source += "[^.]";
    } else {
      source += escape(char);
    }
  }
  return new RegExp(`^${source}$`, "su");
}
