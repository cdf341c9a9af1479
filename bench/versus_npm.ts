/**
 * `get` and `has` on a 3,000-entry vault, this engine under Deno beside
 * `@wgtechlabs/secrets-engine` (the npm package it succeeds) under Bun, in
 * turns in one run: each side runs in its own processes, alternately, and
 * the medians of their rounds (the first of each process a warm-up) are
 * printed.
 *
 *     deno task bench:npm
 *
 * Needs `bun` and the npm registry (the package is installed into a
 * temporary directory, pinned to the version below).
 *
 * @module
 */

import { join } from "node:path";
import { READ_ROUNDS, READS, SIZE } from "./reads_plan.ts";

const NPM_PACKAGE = "@wgtechlabs/secrets-engine@2.0.0";
const PROCESSES = 3;

/** The Bun side: the same plan as reads_child.ts, on the npm package. */
const BUN_CHILD = `
import { SecretsEngine } from "@wgtechlabs/secrets-engine";
const SIZE = ${SIZE}, READS = ${READS}, ROUNDS = ${READ_ROUNDS};
const spread = (i) => { const n = i % SIZE; return "svc" + (n % 17) + ".key" + n; };
const engine = await SecretsEngine.open({ path: process.argv[2] });
for (let i = 0; i < SIZE; i++) await engine.set(spread(i), "value-" + i);
for (let round = 0; round < ROUNDS; round++) {
  let start = performance.now();
  for (let i = 0; i < READS; i++) await engine.get(spread(i * 7919));
  const get = (performance.now() - start) * 1000 / READS;
  start = performance.now();
  for (let i = 0; i < READS; i++) await engine.has(spread(i * 7919));
  const has = (performance.now() - start) * 1000 / READS;
  console.log(JSON.stringify({ get, has }));
}
await engine.close();
`;

async function output(
  command: string,
  args: string[],
  cwd?: string,
): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command(command, {
    args,
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(stdout);
  if (code !== 0) {
    throw new Error(`${command}: ${new TextDecoder().decode(stderr)}`);
  }
  return text;
}

type Round = { get: number; has: number };

function rounds(text: string): Round[] {
  return text.trim().split("\n").slice(1).map((line) => JSON.parse(line));
}

function median(values: number[]): number {
  const sorted = values.toSorted((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const dir = await Deno.makeTempDir({ prefix: "secrets-versus-npm-" });
try {
  await output("npm", ["install", "--silent", "--prefix", dir, NPM_PACKAGE]);
  const bunChild = join(dir, "reads.mjs");
  await Deno.writeTextFile(bunChild, BUN_CHILD);
  const ours: Round[] = [];
  const theirs: Round[] = [];
  for (let i = 0; i < PROCESSES; i++) {
    const vault = join(dir, `deno-${i}`);
    ours.push(...rounds(
      await output("deno", [
        "run",
        `--allow-read=${vault}`,
        `--allow-write=${vault}`,
        new URL("./reads_child.ts", import.meta.url).pathname,
        vault,
      ]),
    ));
    theirs.push(
      ...rounds(await output("bun", [bunChild, join(dir, `bun-${i}`)], dir)),
    );
  }
  const bunVersion = (await output("bun", ["--version"])).trim();
  console.log(
    `${SIZE} entries, ${READS} calls a round, ${ours.length} rounds each, in turns`,
  );
  for (const op of ["get", "has"] as const) {
    const a = median(ours.map((r) => r[op]));
    const b = median(theirs.map((r) => r[op]));
    console.log(
      `${op}: @scope/secrets (Deno ${Deno.version.deno}) ${a.toFixed(1)} µs, ` +
        `${NPM_PACKAGE} (Bun ${bunVersion}) ${b.toFixed(1)} µs, ratio ${
          (a / b).toFixed(2)
        }`,
    );
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
