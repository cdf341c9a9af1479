/**
 * The README's shell procedures, each run exactly as written: the command
 * line in a minute, the CI recipe (and the backup line it needs), and the
 * demo's offline line. (The recovery procedure is in recover_test.ts, the
 * install lines in install_test.ts and deno_install_test.ts.)
 *
 * @module
 */

import { join } from "node:path";
import { assert, assertEquals } from "../_assert.ts";
import { canRun, runCommand, tempDir } from "../_helpers.ts";
import { installSecrets, pathWith } from "./_cli.ts";

const README = Deno.readTextFileSync(
  new URL("../../README.md", import.meta.url),
);
const REPOSITORY = new URL("../..", import.meta.url).pathname;

/** The first sh block after `heading`. */
function shBlock(heading: string): string {
  const section = README.slice(README.indexOf(heading));
  const block = section.match(/```sh\n([\s\S]*?)```/)?.[1];
  assert(block, `README has no sh block after ${heading}`);
  return block;
}

/** The README's inline command that starts with `start`, table escapes undone. */
function inlineCommand(start: string): string {
  const found = README.split("`").find((part) => part.startsWith(start));
  assert(found, `README has no \`${start}…\` command`);
  return found.replaceAll("\\|", "|");
}

const ready = canRun("deno") && canRun("sh");

Deno.test({
  name: "the README's command line in a minute runs as written",
  ignore: !ready,
  fn: async () => {
    await using dir = await tempDir();
    const bin = join(dir.path, "bin");
    await installSecrets(bin);
    const ran = await runCommand(
      "sh",
      ["-e", "-c", shBlock("The command line in a minute")],
      {
        env: { HOME: dir.path, PATH: pathWith(bin) },
        stdin: "backup passphrase\n",
        cwd: dir.path,
      },
    );
    assertEquals(ran.code, 0, ran.stderr);
    assert(ran.stdout.includes("openai.apiKey\n"), ran.stdout);
    assert(ran.stdout.includes("10 characters"), ran.stdout);
    assert((await Deno.stat(join(dir.path, "vault.age"))).size > 0);
  },
});

Deno.test({
  name:
    "the README's CI recipe runs as written, the identity piped, not in any environment",
  ignore: !ready,
  fn: async () => {
    await using dir = await tempDir();
    const bin = join(dir.path, "bin");
    await installSecrets(bin);
    const env = { HOME: dir.path, PATH: pathWith(bin) };
    const sh = (line: string, extra: Record<string, string> = {}) =>
      runCommand("sh", ["-c", line], {
        env: { ...env, ...extra },
        cwd: dir.path,
      });
    const key = join(dir.path, "ci-key.txt");
    const made = await sh(`secrets keygen -o ${key}`);
    assertEquals(made.code, 0, made.stderr);
    await Deno.writeTextFile(join(dir.path, ".age-recipients"), made.stdout);
    assertEquals((await sh("printf 'tok-1' | secrets set ci.token")).code, 0);
    const backup = await sh(inlineCommand("secrets backup ci.age 'ci.**'"));
    assertEquals(backup.code, 0, backup.stderr);
    const deploy = join(dir.path, "deploy.sh");
    await Deno.writeTextFile(
      deploy,
      '#!/bin/sh\n{ env; tr "\\0" "\\n" < /proc/$PPID/environ; } | grep -c AGE-SECRET || true\nprintf "%s" "$CI_TOKEN"\n',
    );
    await Deno.chmod(deploy, 0o755);
    const identity = (await Deno.readTextFile(key)).split("\n")
      .find((line) => line.startsWith("AGE-SECRET-KEY-")) ?? "";
    const ci = await sh(
      inlineCommand(`printf '%s\\n' "$CI_AGE_KEY"`),
      { CI_AGE_KEY: identity },
    );
    assertEquals(ci.code, 0, ci.stderr);
    assertEquals(ci.stdout, "0\ntok-1");
  },
});

Deno.test({
  name: "the README's offline demo line needs no package registry",
  ignore: !ready,
  fn: async () => {
    await using dir = await tempDir();
    for (
      const part of ["deno.json", "deno.lock", "mod.ts", "src", "examples"]
    ) {
      const copied = await runCommand("cp", [
        "-r",
        join(REPOSITORY, part),
        dir.path,
      ]);
      assertEquals(copied.code, 0, copied.stderr);
    }
    const line = inlineCommand(
      "deno run --allow-read=./.secrets --allow-write=./.secrets examples/",
    );
    const ran = await runCommand("sh", ["-c", line], {
      cwd: dir.path,
      env: {
        PATH: `${Deno.execPath().replace(/\/[^/]+$/, "")}:/usr/bin:/bin`,
        DENO_DIR: join(dir.path, "empty-cache"),
        NPM_CONFIG_REGISTRY: "http://127.0.0.1:9/",
      },
    });
    assertEquals(ran.code, 0, ran.stderr);
    assert(ran.stdout.includes("openai.apiKey"), ran.stdout);
  },
});
