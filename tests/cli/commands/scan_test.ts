/**
 * `secrets scan`: the vault's values found exactly, in every form, in
 * files, staged changes and git history; never printed; short values and
 * symlinks left alone; bad flags refused.
 *
 * @module
 */

import { join } from "node:path";
import { assert, assertEquals, assertFalse } from "../../_assert.ts";
import { encodeBase64 } from "../../../src/base64.ts";
import { SecretsEngine } from "../../../mod.ts";
import {
  canRun,
  canSpawn,
  runCommand,
  runDeno,
  tempDir,
} from "../../_helpers.ts";
import { cli, cliArgs, cliSpawned, cliTest } from "../_cli.ts";

const TOKEN = "sk_live_4eC39HqLyjWDarjtT1zdp7dc";
const OLD = "sk_live_0ld+/value'with\"quote";
const BYTES = Uint8Array.from({ length: 24 }, (_, i) => (i * 37 + 5) & 0xff);

async function vaultWithSecrets(dir: string): Promise<string> {
  const vault = join(dir, "vault");
  await using engine = await SecretsEngine.open({ path: vault });
  await engine.set("stripe.key", OLD);
  await engine.set("stripe.key", TOKEN);
  await engine.set("tls.der", BYTES);
  await engine.set("short.flag", "true");
  await engine.set("gone.token", "expired-token-value", { ttlMs: 1 });
  await new Promise((resolve) => setTimeout(resolve, 5));
  return vault;
}

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

Deno.test("every form a value leaks in is found, with the secret, its version and the form, and never the value", async () => {
  await using dir = await tempDir();
  const vault = await vaultWithSecrets(dir.path);
  const tree = join(dir.path, "tree");
  await Deno.mkdir(join(tree, "deep"), { recursive: true });
  const text = new TextEncoder().encode(TOKEN);
  const planted: [string, string, string][] = [
    ["raw.txt", `key=${TOKEN}\n`, "raw"],
    ["b64.yaml", `a: ${encodeBase64(text)}\n`, "base64"],
    ["b64-1.txt", `${encodeBase64(new Uint8Array([1, ...text]))}\n`, "base64"],
    [
      "b64-2.txt",
      `${encodeBase64(new Uint8Array([1, 2, ...text]))}\n`,
      "base64",
    ],
    [
      "b64url.txt",
      `id=${encodeBase64(BYTES).replaceAll("+", "-").replaceAll("/", "_")}&x=1`,
      "base64url",
    ],
    ["hex.txt", `0x${hex(text)}`, "hex"],
    ["HEX.txt", hex(text).toUpperCase(), "HEX"],
    ["url.log", `GET /cb?k=${encodeURIComponent(OLD)} 200`, "percent"],
    ["log.json", JSON.stringify({ secret: OLD }), "json"],
    ["app.env", `STRIPE_KEY='${OLD.replaceAll("'", "'\\''")}'\n`, "quoted"],
    ["deep/expired.txt", "x expired-token-value x", "raw"],
    ["short.txt", "enabled: true\n", ""],
  ];
  for (const [path, content] of planted) {
    await Deno.writeTextFile(join(tree, path), content);
  }
  await Deno.writeFile(
    join(tree, "deep", "blob.bin"),
    new Uint8Array([0, 255, ...BYTES, 7]),
  );
  await Deno.symlink(tree, join(tree, "deep", "loop"));
  const result = await cli(vault, ["scan", tree]);
  assertEquals(result.code, 1, result.stderr);
  for (const [path, , encoding] of planted.filter(([, , e]) => e !== "")) {
    assert(
      new RegExp(
        `${
          path.replace(".", "\\.")
        }:\\d+:\\d+  \\S+  \\([^)]+\\)  ${encoding}\\n`,
      )
        .test(result.stdout),
      `${path} ${encoding}\n${result.stdout}`,
    );
  }
  assert(result.stdout.includes("(version 1)  json"), result.stdout);
  assert(result.stdout.includes("gone.token  (expired)  raw"), result.stdout);
  assert(result.stdout.includes("blob.bin:1:3  tls.der  (current)  raw"));
  assertFalse(result.stdout.includes("short.txt"), result.stdout);
  assert(result.stderr.includes("1 value(s) shorter than 8 bytes"));
  for (const value of [TOKEN, OLD, "expired-token-value"]) {
    assertFalse(result.stdout.includes(value) || result.stderr.includes(value));
  }
  const current = await cli(vault, ["scan", "--current", tree]);
  assertFalse(current.stdout.includes("(version 1)"), current.stdout);
  assertFalse(current.stdout.includes("gone.token"), current.stdout);
  const json = await cli(vault, ["scan", "--json", "--exclude", "deep", tree]);
  const findings = JSON.parse(json.stdout);
  assert(findings.every((f: { path: string }) => !f.path.includes("deep")));
  assertEquals(Object.keys(findings[0]).sort(), [
    "column",
    "encoding",
    "line",
    "name",
    "path",
    "version",
    "versions",
  ]);
});

Deno.test("a clean tree exits 0; bad flags exit 2 and scan nothing", async () => {
  await using dir = await tempDir();
  const vault = await vaultWithSecrets(dir.path);
  const tree = join(dir.path, "clean");
  await Deno.mkdir(tree);
  await Deno.writeTextFile(join(tree, "a.txt"), "nothing to see\n");
  assertEquals((await cli(vault, ["scan", tree])).code, 0);
  for (
    const args of [
      ["scan", "--staged", "--git"],
      ["scan", "--min-length", "0", tree],
      ["scan", "--current", "--versions", tree],
      ["scan", join(dir.path, "missing")],
    ]
  ) {
    const result = await cli(vault, args);
    assertEquals(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
  }
});

cliTest("scan names the flag a path or git needs, and exits 2", async () => {
  await using dir = await tempDir();
  const vault = await vaultWithSecrets(dir.path);
  const outside = await cliSpawned(vault, ["scan", dir.path]);
  assertEquals(outside.code, 2, outside.stderr);
  assert(outside.stderr.includes(`--allow-read=${dir.path}`), outside.stderr);
  const noGit = await cliSpawned(vault, ["scan", "--staged", vault]);
  assertEquals(noGit.code, 2, noGit.stderr);
  assert(noGit.stderr.includes("--allow-run=git"), noGit.stderr);
});

Deno.test({
  name:
    "--staged finds what a commit would hold; --git finds a value in a reverted commit and in an unreachable object",
  ignore: !canRun("git") || !canSpawn,
  fn: async () => {
    await using dir = await tempDir();
    const vault = await vaultWithSecrets(dir.path);
    const repo = join(dir.path, "repo");
    await Deno.mkdir(repo);
    const git = async (...args: string[]) => {
      const result = await runCommand("git", ["-C", repo, ...args], {
        env: {
          GIT_AUTHOR_NAME: "t",
          GIT_AUTHOR_EMAIL: "t@example.invalid",
          GIT_COMMITTER_NAME: "t",
          GIT_COMMITTER_EMAIL: "t@example.invalid",
        },
      });
      assertEquals(result.code, 0, result.stderr);
      return result.stdout;
    };
    await git("init", "-q");
    await Deno.writeTextFile(
      join(repo, "config.js"),
      `const k = "${TOKEN}";\n`,
    );
    await git("add", "config.js");
    const stagedScan = await cli(vault, ["scan", "--staged", repo]);
    assertEquals(stagedScan.code, 1, stagedScan.stderr);
    assert(
      stagedScan.stdout.includes("config.js:1:12  stripe.key  (current)  raw"),
    );
    await Deno.writeTextFile(
      join(repo, "bundle.js"),
      `${"x".repeat(150_000)}\n"${OLD}"\n${"y".repeat(150_000)}\n`,
    );
    await git("add", "bundle.js");
    await git("commit", "-q", "-m", "oops");
    await Deno.writeTextFile(
      join(repo, "config.js"),
      "const k = process.env.K;\n",
    );
    await git("commit", "-q", "-am", "revert the leak");
    const dangling = join(dir.path, "dangling.txt");
    await Deno.writeTextFile(dangling, `token=${encodeBase64(BYTES)}\n`);
    await git("hash-object", "-w", dangling);
    const cleanNow = await cli(vault, ["scan", "--staged", repo]);
    assertEquals(cleanNow.code, 0, cleanNow.stdout);
    const past = await cli(vault, ["scan", `--git=${repo}`]);
    assertEquals(past.code, 1, past.stderr);
    assert(
      /[0-9a-f]{12}:config\.js:1:12 {2}stripe\.key {2}\(current\) {2}raw/
        .test(past.stdout),
      past.stdout,
    );
    assert(
      /[0-9a-f]{12}:bundle\.js:2:2 {2}stripe\.key {2}\(version 1\) {2}raw/
        .test(past.stdout),
      past.stdout,
    );
    assert(
      /blob [0-9a-f]{12} \(unreachable\):1:7 {2}tls\.der {2}\(current\) {2}base64/
        .test(past.stdout),
      past.stdout,
    );
    const spaced = await cli(vault, ["scan", "--git", repo]);
    assertEquals(spaced.stdout, past.stdout);
    // Bare, --git scans the repository the command runs in.
    const bare = await runCommand(
      "deno",
      cliArgs(vault, ["scan", "--git", "--json"], [
        "--allow-run=git",
        `--allow-read=${repo}`,
      ]),
      { cwd: repo },
    );
    assertEquals(bare.code, 1, bare.stderr);
    assertEquals(
      JSON.parse(bare.stdout).length,
      past.stdout.split("\n").length - 1,
    );
  },
});

// SECRETS_SCAN_BYTES=2147483648 deno task test runs it on 2 GB; by default
// 512 MiB keep the suite short and still show that memory stays flat.
const CHILD = new URL("./scan_memory_child.ts", import.meta.url).pathname;

const HUGE_BYTES = Number(
  Deno.permissions.querySync({ name: "env", variable: "SECRETS_SCAN_BYTES" })
      .state === "granted"
    ? Deno.env.get("SECRETS_SCAN_BYTES") ?? 512 * 1024 * 1024
    : 512 * 1024 * 1024,
);

Deno.test("a huge file is streamed: the value at its end is found, and memory stays flat", async () => {
  await using dir = await tempDir();
  const vault = await vaultWithSecrets(dir.path);
  const huge = join(dir.path, "huge", "disk.img");
  await Deno.mkdir(join(dir.path, "huge"));
  await Deno.truncate(huge, HUGE_BYTES).catch(async () => {
    await Deno.writeFile(huge, new Uint8Array());
    await Deno.truncate(huge, HUGE_BYTES);
  });
  const file = await Deno.open(huge, { write: true });
  await file.seek(0, Deno.SeekMode.End);
  await file.write(new TextEncoder().encode(`\n${TOKEN}\n`));
  file.close();
  // Memory is measured in a process of its own: the test runner's holds
  // every other test file running in parallel.
  const result = await runDeno([
    "run",
    `--allow-read=${dir.path}`,
    `--allow-write=${vault}`,
    CHILD,
    vault,
    join(dir.path, "huge"),
  ]);
  assertEquals(result.code, 1, result.stderr);
  assert(result.stdout.includes("disk.img:2:1  stripe.key  (current)  raw"));
  const grew = Number(/grew (\d+)/.exec(result.stderr)?.[1]);
  assert(grew < 128 * 1024 * 1024, `memory grew by ${grew} bytes`);
});

// In 0.3, a deploy link named on the command line was
// skipped with exit 0.
Deno.test("a path operand that is a symlink to a directory is followed; symlinks inside the tree are not", async () => {
  await using dir = await tempDir();
  const vault = await vaultWithSecrets(dir.path);
  const release = join(dir.path, "releases", "7");
  await Deno.mkdir(release, { recursive: true });
  await Deno.writeTextFile(join(release, "app.env"), `KEY=${TOKEN}\n`);
  const current = join(dir.path, "current");
  await Deno.symlink(release, current);
  const linked = await cli(vault, ["scan", "--current", current]);
  assertEquals(linked.code, 1, linked.stderr);
  assert(linked.stdout.includes("app.env:1:5  stripe.key  (current)  raw"));
  const tree = join(dir.path, "tree");
  await Deno.mkdir(tree);
  await Deno.symlink(release, join(tree, "current"));
  const inside = await cli(vault, ["scan", "--current", tree]);
  assertEquals([inside.code, inside.stdout], [0, ""], inside.stderr);
});

// In 0.3, a file name holding a newline or an escape
// sequence was printed raw, so a log showed forged findings.
Deno.test("control characters in a file name are escaped in the findings", async () => {
  await using dir = await tempDir();
  const vault = await vaultWithSecrets(dir.path);
  const tree = join(dir.path, "tree");
  await Deno.mkdir(tree);
  const forged =
    "x\nforged.txt:1:1  fake.secret  (current)  raw\r\u001b[2K.txt";
  await Deno.writeTextFile(join(tree, forged), TOKEN);
  const result = await cli(vault, ["scan", "--current", tree]);
  assertEquals(result.code, 1, result.stderr);
  const lines = result.stdout.trimEnd().split("\n");
  assertEquals(lines.length, 1, result.stdout);
  assert(lines[0].startsWith(join(tree, "x\\u000aforged.txt:1:1")), lines[0]);
  assert(lines[0].includes("\\u000d\\u001b[2K.txt:1:1  stripe.key"), lines[0]);
  assertFalse(result.stdout.includes("\r") || result.stdout.includes("\u001b"));
  const json = await cli(vault, ["scan", "--current", "--json", tree]);
  assertEquals(JSON.parse(json.stdout)[0].path, join(tree, forged));
});

// In 0.3, --staged ran git with the scanned repository's
// own config, and its core.fsmonitor ran a command.
Deno.test("--staged and --git run git with the scanned repository's hooks, fsmonitor, pager and external diff disabled", async () => {
  await using dir = await tempDir();
  const vault = await vaultWithSecrets(dir.path);
  const repo = join(dir.path, "repo");
  const marker = join(dir.path, "PWNED");
  const git = (...args: string[]) =>
    runCommand("git", ["-C", repo, ...args], {
      env: {
        GIT_AUTHOR_NAME: "t",
        GIT_AUTHOR_EMAIL: "t@example.invalid",
        GIT_COMMITTER_NAME: "t",
        GIT_COMMITTER_EMAIL: "t@example.invalid",
      },
    });
  await Deno.mkdir(repo);
  await git("init", "-q");
  await Deno.writeTextFile(join(repo, "config.js"), `k = "${TOKEN}"\n`);
  await git("add", "config.js");
  await git("commit", "-qm", "one");
  await Deno.writeTextFile(join(repo, "config.js"), `k = "${OLD}"\n`);
  await git("add", "config.js");
  const payload = `touch ${marker}; true`;
  for (
    const [key, value] of [
      ["core.fsmonitor", payload],
      ["core.pager", payload],
      ["diff.external", payload],
      ["pager.diff", payload],
      ["pager.log", payload],
    ]
  ) {
    await git("config", key, value);
  }
  await Deno.mkdir(join(repo, "hooks"));
  await Deno.writeTextFile(
    join(repo, "hooks", "post-index-change"),
    `#!/bin/sh\n${payload}\n`,
  );
  await Deno.chmod(join(repo, "hooks", "post-index-change"), 0o755);
  await git("config", "core.hooksPath", join(repo, "hooks"));
  for (const args of [["--staged", repo], [`--git=${repo}`]]) {
    const result = await cli(vault, ["scan", ...args]);
    assertEquals(result.code, 1, result.stderr);
    assertFalse(
      await Deno.lstat(marker).then(() => true, () => false),
      `scan ${args[0]} ran the repository's command`,
    );
  }
  await git("status");
  assert(
    await Deno.lstat(marker).then(() => true, () => false),
    "the payload should run under a plain git status",
  );
});

// In 0.3, scan reported one leak once per identical version.
Deno.test("a place is reported once, naming every version whose value it is", async () => {
  await using dir = await tempDir();
  const vault = join(dir.path, "vault");
  {
    await using engine = await SecretsEngine.open({ path: vault });
    await engine.set("api.key", TOKEN);
    await engine.set("api.key", OLD);
    await engine.set("api.key", TOKEN);
  }
  const tree = join(dir.path, "tree");
  await Deno.mkdir(tree);
  await Deno.writeTextFile(join(tree, "leak.txt"), `${TOKEN}\n`);
  const result = await cli(vault, ["scan", tree]);
  assertEquals(result.code, 1, result.stderr);
  assertEquals(
    result.stdout,
    `${join(tree, "leak.txt")}:1:1  api.key  (current, version 1)  raw\n`,
  );
  const json = JSON.parse((await cli(vault, ["scan", "--json", tree])).stdout);
  assertEquals(json.length, 1);
  assertEquals(json[0].versions, ["current", "version 1"]);
});
