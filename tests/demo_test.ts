/**
 * In 0.3, the demo and every CLI command on a fresh Deno cache
 * downloaded the test-only `cctv-age`, and the demo said something else on
 * its second run.
 *
 * @module
 */

import { join } from "node:path";
import { assert, assertEquals, assertFalse } from "./_assert.ts";
import { runDeno, tempDir } from "./_helpers.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const CONFIG = join(ROOT, "deno.json");
const DEMO = join(ROOT, "examples", "quick_start.ts");
const CLI = join(ROOT, "src", "cli", "main.ts");

Deno.test("the demo says the same thing twice", async () => {
  await using dir = await tempDir();
  const run = () =>
    runDeno([
      "run",
      "--config",
      CONFIG,
      "--allow-read=./.secrets",
      "--allow-write=./.secrets",
      DEMO,
    ], { cwd: dir.path });
  const first = await run();
  const second = await run();
  assertEquals(first.code, 0, first.stderr);
  assertEquals(second.stdout, first.stdout);
  assert(/expires in 60 minutes/.test(first.stdout), first.stdout);
});

Deno.test("a fresh Deno cache running the CLI and the demo fetches no test-only package", async () => {
  await using dir = await tempDir();
  const cache = join(dir.path, "deno-dir");
  const env = { DENO_DIR: cache };
  const demo = await runDeno([
    "run",
    "--config",
    CONFIG,
    `--allow-read=${dir.path}`,
    `--allow-write=${dir.path}`,
    DEMO,
  ], { cwd: dir.path, env });
  assertEquals(demo.code, 0, demo.stderr);
  const help = await runDeno(["run", "--config", CONFIG, CLI, "--help"], {
    cwd: dir.path,
    env,
  });
  assertEquals(help.code, 0, help.stderr);
  const fetched = [
    ...Deno.readDirSync(join(cache, "npm", "registry.npmjs.org")),
  ]
    .map((entry) => entry.name);
  assert(fetched.includes("age-encryption"), fetched.join(", "));
  assertFalse(fetched.includes("cctv-age"), fetched.join(", "));
  assertFalse(/cctv-age/.test(demo.stderr + help.stderr));
});
