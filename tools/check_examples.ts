/**
 * Checks the doc examples of `mod.ts` and `src/`: none may use
 * `console.assert`, which only prints in Deno, so a doc test using it can
 * never fail; every `@example` has a title; and the examples of what the
 * package exports import it by its name, as a user reading them on JSR
 * would, not by a relative path. Run by `deno task check`; exits 1 naming
 * each offence.
 *
 *     deno run --allow-read=deno.json,mod.ts,src tools/check_examples.ts
 *
 * @module
 */

import { dirname, join } from "node:path";

const ROOTS = ["mod.ts", "src"];

function* sources(path: string): Generator<string> {
  if (Deno.statSync(path).isFile) {
    if (path.endsWith(".ts")) yield path;
    return;
  }
  for (const entry of Deno.readDirSync(path)) {
    yield* sources(join(path, entry.name));
  }
}

const offences: string[] = [];
for (const root of ROOTS) {
  for (const file of sources(root)) {
    Deno.readTextFileSync(file).split("\n").forEach((line, at) => {
      const where = `${file}:${at + 1}`;
      if (line.includes("console.assert")) {
        offences.push(
          `${where}: console.assert cannot fail in Deno; assert with node:assert/strict`,
        );
      }
      if (/^\s*\* @example\s*$/.test(line)) {
        offences.push(`${where}: an @example without a title`);
      }
    });
  }
}
const RELATIVE_IMPORT = /^\s*\* import .* from "\.\.?\//;
const RE_EXPORT =
  /^export\s+(?:type\s+)?\{([^}]*)\}\s*from\s*"(\.\.?\/[^"]+)"/gm;
const DECLARATION =
  /^export\s+(?:async\s+)?(?:function\*?|const|class|interface|type)\s+(\w+)/;

/**
 * What the package exports, by file: an entry point, all of whose text a
 * JSR reader sees (`undefined`), and the names it re-exports from others.
 */
function publicNames(): Map<string, Set<string> | undefined> {
  const { exports } = JSON.parse(Deno.readTextFileSync("deno.json"));
  const names = new Map<string, Set<string> | undefined>();
  for (const entry of Object.values<string>(exports)) {
    names.set(join(entry), undefined);
    const text = Deno.readTextFileSync(entry);
    for (const [, list, from] of text.matchAll(RE_EXPORT)) {
      const file = join(dirname(entry), from);
      const known = names.has(file) ? names.get(file) : new Set<string>();
      for (const name of list.split(",")) {
        known?.add(name.replace(/^\s*type\s+/, "").trim());
      }
      names.set(file, known);
    }
  }
  return names;
}

/**
 * The line numbers of an exported declaration's doc comment, and of a
 * class's body, whose members' examples a JSR reader sees too.
 */
function documentedLines(lines: string[], at: number): number[] {
  const shown: number[] = [];
  for (let line = at - 1; line >= 0 && lines[line].startsWith(" *"); line--) {
    shown.push(line);
  }
  if (/^export\s+class\s/.test(lines[at])) {
    for (
      let line = at + 1;
      line < lines.length && lines[line] !== "}";
      line++
    ) {
      shown.push(line);
    }
  }
  return shown;
}

function relativeImport(file: string, line: number, what: string): void {
  offences.push(
    `${file}:${
      line + 1
    }: ${what}: a JSR reader sees this example, so it imports the package by name, not a relative path`,
  );
}

for (const [file, names] of publicNames()) {
  const lines = Deno.readTextFileSync(file).split("\n");
  lines.forEach((line, at) => {
    if (names === undefined) {
      if (RELATIVE_IMPORT.test(line)) {
        relativeImport(file, at, "an entry point");
      }
      return;
    }
    const name = DECLARATION.exec(line)?.[1];
    if (name === undefined || !names.has(name)) return;
    for (const shown of documentedLines(lines, at)) {
      if (RELATIVE_IMPORT.test(lines[shown])) {
        relativeImport(file, shown, `${name} is exported`);
      }
    }
  });
}
for (const offence of offences) console.error(offence);
if (offences.length > 0) Deno.exit(1);
