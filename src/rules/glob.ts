/**
 * Glob patterns over dot-separated secret names: `*` matches within one
 * segment, `**` across segments, `?` one character other than a dot.
 *
 * Matching simulates the pattern as a small automaton, one step per
 * character of the name, so it takes time linear in name × pattern whatever
 * the pattern: a backtracking regular expression built from `**a**a**b`
 * takes exponential time on a long name that almost matches.
 *
 * @module
 */

// One step of the automaton. "star" stays within a segment, "globstar"
// crosses segments, "segments" is `**.`: nothing, or anything ending in a dot.
type Token =
  | { kind: "literal"; char: string }
  | { kind: "one" }
  | { kind: "star" }
  | { kind: "globstar" }
  | { kind: "segments" };

const SEPARATOR = ".";

function tokenize(pattern: string): Token[] {
  const chars = [...pattern];
  const tokens: Token[] = [];
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i];
    if (char === "*" && chars[i + 1] === "*") {
      const segments = chars[i + 2] === SEPARATOR;
      tokens.push({ kind: segments ? "segments" : "globstar" });
      i += segments ? 2 : 1;
    } else if (char === "*") {
      tokens.push({ kind: "star" });
    } else if (char === "?") {
      tokens.push({ kind: "one" });
    } else {
      tokens.push({ kind: "literal", char });
    }
  }
  return tokens;
}

function isRepeating(token: Token): boolean {
  return token.kind === "star" || token.kind === "globstar" ||
    token.kind === "segments";
}

/** Adds the states reachable without consuming a character. */
function close(tokens: Token[], active: Uint8Array): void {
  for (let i = 0; i < tokens.length; i++) {
    if (active[i] && isRepeating(tokens[i])) active[i + 1] = 1;
  }
}

function step(
  tokens: Token[],
  active: Uint8Array,
  char: string,
  next: Uint8Array,
): void {
  next.fill(0);
  for (let i = 0; i < tokens.length; i++) {
    if (!active[i]) continue;
    const token = tokens[i];
    switch (token.kind) {
      case "literal":
        if (char === token.char) next[i + 1] = 1;
        break;
      case "one":
        if (char !== SEPARATOR) next[i + 1] = 1;
        break;
      case "star":
        if (char !== SEPARATOR) next[i] = 1;
        break;
      case "globstar":
        next[i] = 1;
        break;
      case "segments":
        next[i] = 1;
        if (char === SEPARATOR) next[i + 1] = 1;
        break;
    }
  }
  close(tokens, next);
}

/**
 * Compiles a glob to a matcher. `a.**.z` matches `a.z` and `a.b.c.z`; `**`
 * alone matches every name.
 *
 * @example Match names with a glob
 * ```ts
 * import { compileGlob } from "./glob.ts";
 * import assert from "node:assert/strict";
 * const matches = compileGlob("openai.*");
 * assert.ok(matches("openai.apiKey") && !matches("openai.org.id"));
 * ```
 */
export function compileGlob(pattern: string): (name: string) => boolean {
  const tokens = tokenize(pattern);
  const size = tokens.length + 1;
  const start = new Uint8Array(size);
  start[0] = 1;
  close(tokens, start);
  return (name) => {
    let active = start.slice();
    let next = new Uint8Array(size);
    for (const char of name) {
      step(tokens, active, char, next);
      [active, next] = [next, active];
      if (!active.includes(1)) return false;
    }
    return active[tokens.length] === 1;
  };
}
