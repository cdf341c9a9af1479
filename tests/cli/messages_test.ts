/**
 * In 0.3, the messages and exit codes a new user met on the
 * first day, each driven as it was found.
 *
 * @module
 */

import { join } from "node:path";
import { assert, assertEquals, assertFalse } from "../_assert.ts";
import { canMount, runCommand, runDeno, tempDir, tmpfs } from "../_helpers.ts";
import { atTerminal, CLI, cli, cliArgs, untilExpired } from "./_cli.ts";

async function vaultWith(dir: string, dotenv: string): Promise<string> {
  const vault = join(dir, "vault");
  const made = await cli(vault, ["import", "-"], { stdin: dotenv });
  assertEquals(made.code, 0, made.stderr);
  return vault;
}

Deno.test("run without -- says to put -- before the program", async () => {
  await using dir = await tempDir();
  const vault = await vaultWith(dir.path, "A=1\n");
  for (
    const args of [
      ["run", "python3", "-c", "print(1)"],
      ["run", "python3", "app.py"],
    ]
  ) {
    const result = await cli(vault, args);
    assertEquals(result.code, 2, result.stderr);
    assert(/put -- before the program/.test(result.stderr), result.stderr);
    assertFalse(/starts with "-"/.test(result.stderr), result.stderr);
  }
});

Deno.test("set NAME value says where values come from", async () => {
  await using dir = await tempDir();
  const vault = await vaultWith(dir.path, "A=1\n");
  const result = await cli(vault, ["set", "KEY", "value"]);
  assertEquals(result.code, 2, result.stderr);
  for (const way of ["a pipe", "a prompt", "--file", "--value"]) {
    assert(result.stderr.includes(way), result.stderr);
  }
});

Deno.test("a suggestion ignores case: get port suggests PORT", async () => {
  await using dir = await tempDir();
  const vault = await vaultWith(dir.path, "PORT=8080\n");
  const result = await cli(vault, ["get", "port"]);
  assertEquals(result.code, 1, result.stderr);
  assert(/did you mean PORT\?/.test(result.stderr), result.stderr);
});

Deno.test("run --only NAME of an expired secret says it expired, and when", async () => {
  await using dir = await tempDir();
  const vault = await vaultWith(dir.path, "A=1\n");
  await cli(vault, ["set", "old.token", "--ttl", "1s"], { stdin: "t" });
  await untilExpired(vault, "old.token");
  const result = await cli(
    vault,
    ["run", "--only", "old.token", "--", "true"],
    { flags: ["--allow-run=true"] },
  );
  assertEquals(result.code, 1, result.stderr);
  assert(/"old\.token" \(expired at /.test(result.stderr), result.stderr);
});

Deno.test("with HOME unset, the message says HOME is not set, not a flag already given", async () => {
  await using dir = await tempDir();
  const result = await runCommand("sh", [
    "-c",
    `env -u HOME -u XDG_CONFIG_HOME "$DENO" run --no-prompt --allow-env --allow-read --allow-write "$CLI" list`,
  ], { env: { DENO: Deno.execPath(), CLI }, cwd: dir.path });
  assertEquals(result.code, 1, result.stderr);
  assert(/HOME is not set/.test(result.stderr), result.stderr);
  assertFalse(/--allow-env/.test(result.stderr), result.stderr);
});

Deno.test("without the install flags, every missing permission is named at once", async () => {
  await using dir = await tempDir();
  const bare = await runDeno(["run", "--no-prompt", CLI, "list"], {
    cwd: dir.path,
  });
  assertEquals(bare.code, 1, bare.stderr);
  for (
    const flag of [
      "--allow-env=XDG_CONFIG_HOME,HOME",
      '--allow-read="$HOME/.secrets-engine"',
      '--allow-write="$HOME/.secrets-engine"',
    ]
  ) {
    assert(bare.stderr.includes(flag), bare.stderr);
  }
  const vault = join(dir.path, "vault");
  const scoped = await runDeno(
    ["run", "--no-prompt", CLI, "--path", vault, "list"],
  );
  assert(
    scoped.stderr.includes(`--allow-read=${vault} --allow-write=${vault}`),
    scoped.stderr,
  );
});

Deno.test("status has an exit code of its own for a failure: 3, apart from 1 for something due", async () => {
  await using dir = await tempDir();
  const missing = await cli(join(dir.path, "none"), ["status"]);
  assertEquals(missing.code, 3, missing.stderr);
  const vault = await vaultWith(dir.path, "A=1\n");
  await cli(vault, ["set", "soon", "--ttl", "1d"], { stdin: "s" });
  assertEquals((await cli(vault, ["status"])).code, 1);
  const scan = await cli(join(dir.path, "none"), ["scan", dir.path]);
  assertEquals(scan.code, 3, scan.stderr);
});

Deno.test("Ctrl-C at a yes/no confirmation exits 130, as at every other prompt", async () => {
  await using dir = await tempDir();
  const vault = await vaultWith(dir.path, "A=1\n");
  const interrupted = await atTerminal(
    [{ expect: 'Type "yes"' }, { send: "ye" }, { send: "\x03" }],
    ["deno", ...cliArgs(vault, ["destroy"])],
  );
  assertEquals(interrupted.code, 130, interrupted.output);
  assertEquals((await cli(vault, ["get", "A"])).stdout, "1");
  const confirmed = await atTerminal(
    [{ expect: 'Type "yes"' }, { send: "yes\r" }],
    ["deno", ...cliArgs(vault, ["destroy"])],
  );
  assertEquals(confirmed.code, 0, confirmed.output);
  assert(confirmed.output.includes("yes"), "the answer is shown as typed");
});

Deno.test({
  name: "a full disk is worded like every other storage failure",
  ignore: !canMount,
  fn: async () => {
    await using dir = await tempDir();
    const vault = await vaultWith(dir.path, "A=1\nB=2\n");
    const media = join(dir.path, "media");
    await using _mount = await tmpfs(media);
    await runCommand("sh", [
      "-c",
      `dd if=/dev/zero of='${media}/fill' bs=64k 2>/dev/null; true`,
    ]);
    const result = await runCommand("sh", [
      "-c",
      `"$DENO" ${
        cliArgs(vault, ["export", "--format", "json"]).map((a) => `'${a}'`)
          .join(" ")
      } > '${media}/out.json'`,
    ], { env: { DENO: Deno.execPath() } });
    assertEquals(result.code, 1, result.stderr);
    assert(/the disk is full/.test(result.stderr), result.stderr);
    assertFalse(/unexpected|os error/.test(result.stderr), result.stderr);
  },
});

Deno.test("a wrong option is told in the CLI's words, read from the options themselves, not node's messages", async () => {
  await using dir = await tempDir();
  const vault = await vaultWith(dir.path, "A=1\n");
  const cases: [string[], string][] = [
    [["get", "A", "--forse"], "unknown option --forse; did you mean --force?"],
    [["get", "--", "-A"], ""],
    [["set", "B", "--value"], "--value needs a value"],
    [
      ["set", "B", "--value", "-x"],
      "--value needs a value; one that starts with - is written --value=-…",
    ],
    [["list", "--long=yes"], "--long takes no value"],
  ];
  for (const [args, said] of cases) {
    const result = await cli(vault, args);
    if (said === "") {
      assertEquals(result.code, 1, result.stderr);
      continue;
    }
    assertEquals(result.code, 2, result.stderr);
    assertEquals(result.stderr, `secrets: ${said} (see secrets --help)\n`);
  }
  const stdin = await cli(vault, ["set", "C", "--file", "-"], { stdin: "c" });
  assertEquals(stdin.code, 0, stdin.stderr);
});

Deno.test("no regular expression reads an error message in src/cli", () => {
  const files = new Deno.Command("git", {
    args: [
      "grep",
      "-nE",
      "\\.(test|exec|match)\\([^)]*\\.message",
      "--",
      "src/cli",
    ],
    stdout: "piped",
  }).outputSync();
  assertEquals(new TextDecoder().decode(files.stdout), "");
});
