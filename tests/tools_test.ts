/**
 * `tools/no_leftovers.ts`, which `deno task test` runs the suite under:
 * it must fail a run that leaves a process behind, and kill it.
 *
 * @module
 */

import { assert, assertEquals } from "./_assert.ts";
import { runDeno } from "./_helpers.ts";

const TOOL = new URL("../tools/no_leftovers.ts", import.meta.url).pathname;

Deno.test("a run that leaves a process behind fails, naming and killing it; a clean one keeps its code", async () => {
  const leaky = await runDeno([
    "run",
    "--allow-run",
    TOOL,
    "sh",
    "-c",
    "sleep 300 & echo started",
  ]);
  assertEquals(leaky.code, 1, leaky.stderr);
  assert(/left 1 process.*\n\d+ sleep 300/.test(leaky.stderr), leaky.stderr);
  const clean = await runDeno([
    "run",
    "--allow-run",
    TOOL,
    "sh",
    "-c",
    "exit 3",
  ]);
  assertEquals([clean.code, clean.stderr], [3, ""]);
});
