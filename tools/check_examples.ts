/**
 * Checks the doc examples of `mod.ts` and `src/`: none may use
 * `console.assert`, which only prints in Deno, so a doc test using it can
 * never fail; and every `@example` has a title. Run by `deno task check`;
 * exits 1 naming each offence.
 *
 *     deno run --allow-read=mod.ts,src tools/check_examples.ts
 *
 * @module
 */

import { join } from "node:path";

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
for (const offence of offences) console.error(offence);
if (offences.length > 0) Deno.exit(1);
