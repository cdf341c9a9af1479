/**
 * `secrets remote set git:DIR` as a user meets it: the folder must be in
 * a git working tree; `set` writes its `.gitattributes` and prints the
 * `git config` line that registers the merge driver; `sync` needs read and
 * write on the folder and nothing on the network.
 *
 * @module
 */

import { join } from "node:path";
import { assertEquals, assertMatch } from "../../_assert.ts";
import { runCommand, tempDir } from "../../_helpers.ts";
import { cli, cliArgs } from "../_cli.ts";
import { runDeno } from "../../_helpers.ts";

Deno.test("remote set git:DIR writes .gitattributes, prints the driver line, and sync writes the sealed files there", async () => {
  await using dir = await tempDir();
  const repo = join(dir.path, "repo");
  await runCommand("git", ["init", "-q", repo]);
  const vault = join(dir.path, "vault");
  await cli(vault, ["set", "db.password"], { stdin: "hunter2" });
  const folder = join(repo, ".secrets");
  const set = await cli(vault, ["remote", "set", `git:${folder}`]);
  assertEquals(set.code, 0, set.stderr);
  assertEquals(
    set.stdout,
    `git config merge.secrets.driver "secrets --path '${vault}' merge-driver %O %A %B %P"\n`,
  );
  assertEquals(
    await Deno.readTextFile(join(folder, ".gitattributes")),
    "* merge=secrets -text\n",
  );
  const shown = await cli(vault, ["remote"]);
  assertMatch(shown.stdout, new RegExp(`^git:${folder} default SHA256:`));
  assertEquals((await cli(vault, ["sync"])).code, 0);
  const rows = [...Deno.readDirSync(join(folder, "secrets"))];
  assertEquals(rows.length, 1);
  // Read and write on the folder, and no network flag.
  const spawned = await runDeno(
    cliArgs(vault, ["sync"], [
      `--allow-read=${folder}`,
      `--allow-write=${folder}`,
    ]),
  );
  assertEquals(spawned.code, 0, spawned.stderr);
  const refused = await runDeno(cliArgs(vault, ["sync"]));
  assertEquals(refused.code, 1);
  assertMatch(refused.stderr, new RegExp(`--allow-read=${folder}`));
});

Deno.test("remote set git:DIR refuses a folder outside a git working tree, and a name", async () => {
  await using dir = await tempDir();
  const vault = join(dir.path, "vault");
  await cli(vault, ["set", "a"], { stdin: "1" });
  const outside = await cli(vault, [
    "remote",
    "set",
    `git:${join(dir.path, "plain")}`,
  ]);
  assertEquals(outside.code, 1);
  assertMatch(outside.stderr, /not in a git working tree/);
  const named = await cli(vault, [
    "remote",
    "set",
    `git:${dir.path}`,
    "--name",
    "x",
  ]);
  assertEquals(named.code, 1);
  assertMatch(named.stderr, /takes no --name/);
  assertEquals((await cli(vault, ["remote"])).code, 1);
});
