/**
 * The commands on single secrets through a real `deno run`: what they do on
 * a path with no vault, and names a shell makes awkward.
 *
 * @module
 */

import { join } from "node:path";
import { assert, assertEquals, assertFalse } from "../../_assert.ts";
import { tempDir } from "../../_helpers.ts";
import { cli, cliTest } from "../_cli.ts";

// On a mistyped --path, read commands created an empty
// vault and answered "no secret"; run ran the program with no secrets.
cliTest(
  "read commands on a path with no vault say so and create nothing",
  async (t) => {
    await using dir = await tempDir();
    const vault = join(dir.path, "typo");
    const commands = [
      ["get", "a"],
      ["has", "a"],
      ["list"],
      ["info"],
      ["export"],
      ["delete", "a"],
      ["recover"],
      ["destroy", "--yes"],
      ["run", "--", "true"],
    ];
    for (const args of commands) {
      await t.step(args.join(" "), async () => {
        const result = await cli(vault, args, { flags: ["--allow-run=true"] });
        assertEquals(result.code, 1, result.stderr);
        assert(result.stderr.includes(`no vault at ${vault}`), result.stderr);
        assertFalse(await Deno.stat(vault).then(() => true, () => false));
      });
    }
  },
);

// A file where a directory should be gave a NotADirectory
// stack trace.
cliTest("--path below a file is a plain error", async () => {
  await using dir = await tempDir();
  const file = join(dir.path, "file");
  await Deno.writeTextFile(file, "");
  const result = await cli(join(file, "sub"), ["set", "a"], { stdin: "1" });
  assertEquals(result.code, 1);
  assert(result.stderr.includes("is a file, not a directory"), result.stderr);
  assertFalse(/\n\s+at /.test(result.stderr), "a stack trace");
});

// A name starting with "-" could not be used, and the
// form the error suggested was refused.
cliTest(
  "a name starting with - works after --, as the error suggests",
  async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    const bare = await cli(vault, ["get", "-x"]);
    assertEquals(bare.code, 2);
    assert(bare.stderr.includes('-- "-x"'), bare.stderr);
    const set = await cli(vault, ["set", "--", "-x"], { stdin: "dash" });
    assertEquals(set.code, 0, set.stderr);
    assertEquals((await cli(vault, ["get", "--", "-x"])).stdout, "dash");
    assertEquals((await cli(vault, ["has", "--", "-x"])).code, 0);
    assertEquals((await cli(vault, ["delete", "--", "-x"])).code, 0);
  },
);

cliTest(
  "an empty name is a usage error (exit 2), not an absent secret",
  async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    for (const command of ["has", "get", "delete", "set"]) {
      const result = await cli(vault, [command, ""], { stdin: "v" });
      assertEquals(result.code, 2, `${command}: ${result.stderr}`);
    }
  },
);
