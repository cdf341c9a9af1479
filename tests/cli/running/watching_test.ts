/**
 * `inject --watch` through a real `deno run`, with this test as the other
 * process: a change renders the file again and runs `--exec`, a deleted
 * reference keeps the last good file and says so, and SIGTERM ends it.
 *
 * @module
 */

import { join } from "node:path";
import { assert, assertEquals } from "../../_assert.ts";
import { SecretsEngine } from "../../../mod.ts";
import { readUntil, tempDir, until } from "../../_helpers.ts";
import { cli, cliArgs, cliTest } from "../_cli.ts";

const read = (path: string) => Deno.readTextFile(path).catch(() => "");

cliTest(
  "inject --watch renders again on a change and runs --exec; a deleted reference keeps the last good file",
  async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    const template = join(dir.path, "app.conf.tpl");
    const output = join(dir.path, "app.conf");
    const marker = join(dir.path, "reloaded");
    await Deno.writeTextFile(template, "url={{ secrets://db.url }}\n");
    {
      await using engine = await SecretsEngine.open({ path: vault });
      await engine.set("db.url", "postgres://one");
    }
    const child = new Deno.Command("deno", {
      args: cliArgs(vault, [
        "inject",
        "-i",
        template,
        "-o",
        output,
        "--watch",
        "--exec",
        `echo reloaded >> '${marker}'`,
      ], [
        `--allow-read=${dir.path}`,
        `--allow-write=${dir.path}`,
        "--allow-run=sh",
      ]),
      stdout: "null",
      stderr: "piped",
    }).spawn();
    assert(
      await until(async () => (await read(output)) === "url=postgres://one\n"),
    );
    assertEquals(((await Deno.stat(output)).mode ?? 0) & 0o777, 0o600);
    await using engine = await SecretsEngine.open({ path: vault });
    await engine.set("db.url", "postgres://two");
    assert(
      await until(async () => (await read(output)) === "url=postgres://two\n"),
    );
    assert(await until(async () => (await read(marker)) === "reloaded\n"));
    await engine.delete("db.url");
    // Wait for the word that it kept the file, not for a fixed time.
    const said = await readUntil(
      child.stderr,
      `kept the last good ${output}`,
    );
    assertEquals(await read(output), "url=postgres://two\n");
    child.kill("SIGTERM");
    const { code } = await child.status;
    assertEquals(code, 143, said);
    assert(said.includes(`re-rendered ${output}: db.url changed`), said);
    assert(said.includes(`kept the last good ${output}`), said);
  },
);

Deno.test("inject --watch needs -o, and --exec needs --watch", async () => {
  await using dir = await tempDir();
  const vault = join(dir.path, "vault");
  const template = join(dir.path, "t.tpl");
  await Deno.writeTextFile(template, "x\n");
  const noOut = await cli(vault, ["inject", "-i", template, "--watch"]);
  assertEquals(noOut.code, 2, noOut.stderr);
  const noWatch = await cli(vault, [
    "inject",
    "-i",
    template,
    "--exec",
    "true",
  ]);
  assertEquals(noWatch.code, 2, noWatch.stderr);
});
