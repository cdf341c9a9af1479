/**
 * The README's line for installing Deno, run as written (into a temporary
 * prefix): it must give the real binary, not npm's Node wrapper, which
 * breaks signal forwarding under `secrets run`. `.ci/run` uses the same.
 *
 * @module
 */

import { join } from "node:path";
import { assert, assertEquals } from "../_assert.ts";
import { canRun, runCommand, tempDir } from "../_helpers.ts";

const README = new URL("../../README.md", import.meta.url);
const CI = new URL("../../.ci/run", import.meta.url);
const LINE = /`(npm install -g [^`]*deno)`/;

Deno.test({
  name:
    "the README's Deno install line gives the Deno binary, and .ci/run uses it",
  ignore: !canRun("npm"),
  fn: async () => {
    const line = Deno.readTextFileSync(README).replaceAll("\n", " ")
      .match(LINE)?.[1];
    assert(line, "README has no `npm install -g … deno` line");
    assert(
      Deno.readTextFileSync(CI).includes(line),
      `.ci/run does not run ${line}`,
    );
    await using dir = await tempDir();
    const [, ...args] = line.split(" ");
    const installed = await runCommand("npm", [...args, "--prefix", dir.path]);
    assertEquals(installed.code, 0, installed.stderr);
    const deno = join(dir.path, "bin", "deno");
    const head = (await Deno.readFile(deno)).subarray(0, 4);
    assertEquals([...head], [0x7f, 0x45, 0x4c, 0x46], `${deno} is not ELF`);
  },
});
