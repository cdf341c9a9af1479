/**
 * The `secrets` command line, each command through a real `deno run` with
 * the minimal flags the README lists for it.
 *
 * @module
 */

import { join } from "node:path";
import { assert, assertEquals, assertFalse } from "../_assert.ts";
import {
  canSpawn,
  readUntil,
  runDeno,
  SPAWN_SKIP_REASON,
  tempDir,
} from "../_helpers.ts";
import { parseDotenv } from "../../src/cli/environment/dotenv.ts";
import { CLI, cli, cliSpawned, cliTest, untilExpired } from "./_cli.ts";

const test = cliTest;

test("set, get, has, list and delete", async () => {
  await using dir = await tempDir();
  const vault = join(dir.path, "vault");
  assertEquals(
    (await cli(vault, ["set", "openai.apiKey"], { stdin: "sk-piped\n" })).code,
    0,
  );
  const get = await cli(vault, ["get", "openai.apiKey"]);
  assertEquals([get.code, get.stdout], [0, "sk-piped"]);
  assertEquals((await cli(vault, ["has", "openai.apiKey"])).code, 0);
  const missing = await cli(vault, ["has", "nope"]);
  assertEquals([missing.code, missing.stdout, missing.stderr], [1, "", ""]);
  const set = await cli(vault, ["set", "db.password", "--value", "hunter2"]);
  assertEquals(set.code, 0);
  assert(set.stderr.includes("shell history"), set.stderr);
  assert(set.stderr.includes("/proc/PID/cmdline"), set.stderr);
  const list = await cli(vault, ["list"]);
  assertEquals([list.code, list.stdout], [0, "db.password\nopenai.apiKey\n"]);
  assertEquals((await cli(vault, ["list", "db.*"])).stdout, "db.password\n");
  assertEquals((await cli(vault, ["delete", "db.password"])).code, 0);
  const again = await cli(vault, ["delete", "db.password"]);
  assertEquals(again.code, 1);
  assertFalse(again.stderr.includes("db.password"));
  const gone = await cli(vault, ["get", "db.password"]);
  assertEquals([gone.code, gone.stdout], [1, ""]);
});

test("usage errors exit 2 and change nothing", async (t) => {
  await using dir = await tempDir();
  const vault = join(dir.path, "vault");
  for (
    const [label, args] of [
      ["unknown command", ["frobnicate"]],
      ["missing name", ["get"]],
      ["too many names", ["delete", "a", "b"]],
      ["unknown option", ["list", "--bogus"]],
      ["option of another command", ["get", "x", "--yes"]],
      ["run without --", ["run"]],
      ["bad export format", ["export", "--format", "yaml"]],
      ["no command", []],
    ] as const
  ) {
    await t.step(label, async () => {
      const result = await cli(vault, [...args]);
      assertEquals(result.code, 2, result.stderr);
      assert(result.stderr.includes("secrets"), result.stderr);
    });
  }
  const bad = await cli(vault, ["set", "bad\u0007name"], { stdin: "v" });
  assertEquals(bad.code, 1);
  assert(bad.stderr.includes("control characters"));
  assertEquals((await cli(vault, ["list"])).stdout, "");
});

test("--help works for every command", async () => {
  await using dir = await tempDir();
  const vault = join(dir.path, "vault");
  const help = await cli(vault, ["--help"]);
  assertEquals(help.code, 0);
  for (
    const command of [
      "set",
      "get",
      "list",
      "has",
      "delete",
      "import",
      "export",
      "run",
      "destroy",
      "info",
    ]
  ) {
    assert(help.stdout.includes(`  ${command}`), command);
    const one = await runDeno(["run", CLI, command, "--help"]);
    assertEquals(one.code, 0, one.stderr);
    assert(
      one.stdout.startsWith(`Usage: secrets [--path DIR | --xdg] ${command}`),
      one.stdout,
    );
  }
});

test("import reads dotenv atomically, with a prefix", async () => {
  await using dir = await tempDir();
  const vault = join(dir.path, "vault");
  const file = join(vault, "app.env");
  await Deno.mkdir(vault, { mode: 0o700 });
  await Deno.writeTextFile(
    file,
    [
      "# a comment",
      "export API_KEY=sk-1 # trailing comment",
      'QUOTED="a \\"b\\" c"',
      "SINGLE='literal \\n'",
      'PEM="-----BEGIN-----',
      "line two",
      '-----END-----"',
      "",
    ].join("\n"),
  );
  const result = await cli(vault, ["import", file, "--prefix", "app."]);
  assertEquals(result.code, 0, result.stderr);
  assertEquals(
    (await cli(vault, ["list"])).stdout,
    "app.API_KEY\napp.PEM\napp.QUOTED\napp.SINGLE\n",
  );
  assertEquals((await cli(vault, ["get", "app.API_KEY"])).stdout, "sk-1");
  assertEquals((await cli(vault, ["get", "app.QUOTED"])).stdout, 'a "b" c');
  assertEquals((await cli(vault, ["get", "app.SINGLE"])).stdout, "literal \\n");
  assertEquals(
    (await cli(vault, ["get", "app.PEM"])).stdout,
    "-----BEGIN-----\nline two\n-----END-----",
  );
});

test("a large import off a terminal prints no progress, only the outcome", async () => {
  await using dir = await tempDir();
  const vault = join(dir.path, "vault");
  const file = join(vault, "big.env");
  await Deno.mkdir(vault, { mode: 0o700 });
  const lines = Array.from({ length: 1500 }, (_, i) => `KEY_${i}=value-${i}`);
  await Deno.writeTextFile(file, lines.join("\n"));
  const result = await cli(vault, ["import", file]);
  assertEquals(result.code, 0, result.stderr);
  assert(result.stderr.endsWith("secrets: imported 1500 secrets\n"));
  assert(!/importing|of 1500/.test(result.stderr), result.stderr);
  assertEquals((await cli(vault, ["get", "KEY_1499"])).stdout, "value-1499");
});

test("malformed dotenv lines are reported by number and nothing is imported", async () => {
  await using dir = await tempDir();
  const vault = join(dir.path, "vault");
  const file = join(vault, "bad.env");
  await Deno.mkdir(vault, { mode: 0o700 });
  await Deno.writeTextFile(
    file,
    'GOOD=1\nno equals sign\n1BAD=x\n=novalue\nALSO_GOOD=2\nOPEN="never closed\n',
  );
  const result = await cli(vault, ["import", file]);
  assertEquals(result.code, 1);
  for (const line of [2, 3, 4, 6]) {
    assert(
      result.stderr.includes(`${file}:${line}:`),
      `line ${line}: ${result.stderr}`,
    );
  }
  assertFalse(result.stderr.includes(`${file}:1:`));
  assert(result.stderr.includes("nothing imported"));
  assertEquals((await cli(vault, ["list"])).stdout, "");
  const missing = await cli(vault, ["import", join(vault, "absent.env")]);
  assertEquals(missing.code, 1);
});

test("export prints env or JSON, never to a terminal by default", async () => {
  await using dir = await tempDir();
  const vault = join(dir.path, "vault");
  await cli(vault, ["set", "openai.apiKey"], { stdin: "sk-1" });
  await cli(vault, ["set", "db.password"], { stdin: 'p"w\nx' });
  const json = await cli(vault, ["export", "--format", "json"]);
  assertEquals(JSON.parse(json.stdout), {
    "db.password": 'p"w\nx',
    "openai.apiKey": "sk-1",
  });
  const env = await cli(vault, ["export"]);
  assertEquals(
    parseDotenv(env.stdout).entries.map(({ key, value }) => [key, value]),
    [["DB_PASSWORD", 'p"w\nx'], ["OPENAI_API_KEY", "sk-1"]],
  );
  assertEquals(
    JSON.parse(
      (await cli(vault, ["export", "db.*", "--format", "json"])).stdout,
    ),
    {
      "db.password": 'p"w\nx',
    },
  );
});

test("run injects secrets by the env-name rule and returns the program's code", async (t) => {
  await using dir = await tempDir();
  const vault = join(dir.path, "vault");
  const flags = ["--allow-run=deno"];
  await cli(vault, ["set", "openai.apiKey"], { stdin: "sk-run" });
  await cli(vault, ["set", "db.password"], { stdin: "pw-run" });
  const show =
    "console.log(Deno.env.get('OPENAI_API_KEY'), Deno.env.get('DB_PASSWORD'))";

  await t.step("injects every secret", async () => {
    const result = await cli(vault, ["run", "--", "deno", "eval", show], {
      flags,
    });
    assertEquals([result.code, result.stdout], [0, "sk-run pw-run\n"]);
    assertFalse(result.stderr.includes("sk-run"));
  });
  await t.step("--only narrows", async () => {
    const result = await cli(vault, [
      "run",
      "--only",
      "db.*",
      "--",
      "deno",
      "eval",
      show,
    ], { flags });
    assertEquals(result.stdout, "undefined pw-run\n");
  });
  await t.step("--redact masks values in the output", async () => {
    const result = await cli(vault, [
      "run",
      "--redact",
      "--",
      "deno",
      "eval",
      show,
    ], { flags });
    assertEquals(result.stdout, "<redacted> <redacted>\n");
  });
  await t.step("the exit code is forwarded", async () => {
    const result = await cli(vault, [
      "run",
      "--",
      "deno",
      "eval",
      "Deno.exit(7)",
    ], { flags });
    assertEquals(result.code, 7);
  });
  await t.step("a missing program is 127", async () => {
    const program = "no-such-program-xyz";
    // Deno cannot scope --allow-run to a program it cannot find on PATH.
    const result = await cli(vault, ["run", "--", program], {
      flags: ["--allow-run"],
    });
    assertEquals(result.code, 127);
    assert(result.stderr.includes("program not found"), result.stderr);
  });
  await t.step("a program not granted to run names the flag", async () => {
    const result = await cli(vault, ["run", "--", "ls"], { flags });
    assertEquals(result.code, 1);
    assert(result.stderr.includes("--allow-run=ls"), result.stderr);
  });
  await t.step("colliding env names are an error naming both", async () => {
    await cli(vault, ["set", "openai.api_key"], { stdin: "other" });
    const result = await cli(vault, ["run", "--", "deno", "eval", show], {
      flags,
    });
    assertEquals(result.code, 1);
    assert(
      result.stderr.includes("openai.apiKey") &&
        result.stderr.includes("openai.api_key") &&
        result.stderr.includes("OPENAI_API_KEY"),
      result.stderr,
    );
  });
});

test("run forwards a signal to the program and returns its exit code", async () => {
  await using dir = await tempDir();
  const vault = join(dir.path, "vault");
  await cli(vault, ["set", "a"], { stdin: "b" });
  // The program exits 42 on SIGTERM: a 42 proves the signal reached it
  // through the CLI, where a CLI killed by the signal itself would give 143.
  const program = [
    "Deno.addSignalListener('SIGTERM', () => { console.log('got SIGTERM'); Deno.exit(42); });",
    "console.log('started');",
    "setTimeout(() => {}, 30000);",
  ].join(" ");
  const child = new Deno.Command("deno", {
    args: [
      "run",
      `--allow-read=${vault}`,
      `--allow-write=${vault}`,
      "--allow-run=deno",
      CLI,
      "--path",
      vault,
      "run",
      "--",
      "deno",
      "eval",
      program,
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const [cue, rest] = child.stdout.tee();
  const output = new Response(rest).text();
  await readUntil(cue, "started");
  child.kill("SIGTERM");
  await child.stderr.cancel();
  assertEquals((await child.status).code, 42);
  assert((await output).includes("got SIGTERM"));
});

test("info shows the vault without values; destroy needs --yes off a terminal", async () => {
  await using dir = await tempDir();
  const vault = join(dir.path, "vault");
  await cli(vault, ["set", "a.b"], { stdin: "secret-info" });
  const info = await cli(vault, ["info"]);
  assertEquals(info.code, 0);
  assert(
    info.stdout.includes(`path:     ${vault}`) &&
      info.stdout.includes("entries:  1"),
  );
  assertFalse(info.stdout.includes("secret-info"));
  assertEquals((await cli(vault, ["destroy"])).code, 2);
  assertEquals((await cli(vault, ["get", "a.b"])).code, 0);
  const destroyed = await cli(vault, ["destroy", "--yes"]);
  assertEquals(destroyed.code, 0, destroyed.stderr);
  assertEquals([...Deno.readDirSync(dir.path)], []);
});

test("without --path, a missing --allow-env is named", async () => {
  const result = await runDeno(["run", "--no-prompt", CLI, "list"]);
  assertEquals(result.code, 1);
  assert(result.stderr.includes("--allow-env=XDG_CONFIG_HOME"), result.stderr);
});

const canScript = Deno.build.os === "linux" &&
  Deno.permissions.querySync({ name: "run", command: "script" }).state ===
    "granted";

/**
 * Runs the CLI under `script`, so it sees a terminal; writes `answer` once
 * `cue` shows in the output.
 */
async function atTerminal(
  vault: string,
  args: string[],
  cue?: string,
  answer?: string,
): Promise<string> {
  const command = [
    "deno run",
    `--allow-read=${vault}`,
    `--allow-write=${vault}`,
    CLI,
    "--path",
    vault,
    ...args,
  ].join(" ");
  const child = new Deno.Command("script", {
    args: ["-qec", command, "/dev/null"],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
    env: { NO_COLOR: "1" },
  }).spawn();
  const [forCue, rest] = child.stdout.tee();
  const output = new Response(rest).text();
  if (cue !== undefined && answer !== undefined) {
    await readUntil(forCue, cue);
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(answer));
    await writer.close();
  } else {
    await forCue.cancel();
    await child.stdin.close();
  }
  await child.status;
  return (await output).replaceAll("\r", "");
}

Deno.test({
  name:
    "at a terminal: set prompts without echo, get adds a newline, export refuses, destroy asks",
  ignore: !canSpawn || !canScript,
  fn: async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    const typed = await atTerminal(
      vault,
      ["set", "tty.key"],
      "Value for",
      "sk-typed\r",
    );
    assert(typed.includes("Value for tty.key: "), typed);
    assertFalse(typed.includes("sk-typed"), "the value was echoed");
    assertEquals(await atTerminal(vault, ["get", "tty.key"]), "sk-typed\n");
    const exported = await atTerminal(vault, ["export"]);
    assert(
      exported.includes("refusing to print secrets to a terminal"),
      exported,
    );
    assertFalse(exported.includes("sk-typed"));
    await atTerminal(vault, ["destroy"], "Type", "no\n");
    assertEquals((await cli(vault, ["get", "tty.key"])).stdout, "sk-typed");
    await atTerminal(vault, ["destroy"], "Type", "yes\n");
    assertEquals([...Deno.readDirSync(dir.path)], []);
  },
});

if (!canSpawn) console.log(`cli_test: ${SPAWN_SKIP_REASON}`);

// The messages a new user met on the first day.
cliTest(
  "typos get a suggestion, --version and help COMMAND answer, and library words become the CLI's",
  async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    await cli(vault, ["set", "db.password"], { stdin: "pw" });
    const option = await cli(vault, ["list", "--versoin"]);
    assertEquals(option.code, 2);
    assert(
      /unknown option --versoin; did you mean --version\?/.test(option.stderr),
      option.stderr,
    );
    assertFalse(/positional/.test(option.stderr), option.stderr);
    const command = await cli(vault, ["lsit"]);
    assert(/did you mean list\?/.test(command.stderr), command.stderr);
    const name = await cli(vault, ["get", "db.pasword"]);
    assertEquals(name.code, 1);
    assert(/did you mean db.password\?/.test(name.stderr), name.stderr);
    const version = await cli(vault, ["--version"]);
    assert(/^secrets \d+\.\d+\.\d+\n$/.test(version.stdout), version.stdout);
    const help = await cli(vault, ["help", "get"]);
    assertEquals(help.code, 0);
    assert(help.stdout.includes("get NAME"), help.stdout);
    const star = await cli(vault, ["list", "*"]);
    assertEquals(star.stdout, "");
    assert(/\* stops at a dot; \*\* matches/.test(star.stderr), star.stderr);
    const taken = await cli(vault, ["import", "-"], {
      stdin:
        '{"type":"@scope/secrets export","version":2,"exported":"2026-01-01T00:00:00Z","entries":[{"name":"db.password","kind":"text","value":"x","created":"2026-01-01T00:00:00Z","updated":"2026-01-01T00:00:00Z"}]}',
    });
    assert(/pass --overwrite/.test(taken.stderr), taken.stderr);
  },
);

cliTest(
  "run names every missing flag at once; --quiet leaves out the notices of skipped secrets; an expired reference says when",
  async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    await cli(vault, ["set", "bin", "--file", "-", "--bytes"], {
      stdin: new Uint8Array([1, 2]),
    });
    const envFile = join(dir.path, ".env");
    await Deno.writeTextFile(envFile, "A=secrets://old.token\n");
    const missing = await cliSpawned(vault, [
      "run",
      "--pristine",
      "--env-file",
      envFile,
      "--",
      "true",
    ]);
    assertEquals(missing.code, 1, missing.stderr);
    for (
      const flag of [
        "--allow-run=true",
        `--allow-read=${envFile}`,
        "--allow-env=PATH",
      ]
    ) {
      assert(missing.stderr.includes(flag), missing.stderr);
    }
    const flags = ["--allow-run=true"];
    const noisy = await cli(vault, ["run", "--", "true"], { flags });
    assert(/skipped "bin"/.test(noisy.stderr), noisy.stderr);
    const quiet = await cli(vault, ["run", "--quiet", "--", "true"], { flags });
    assertEquals([quiet.code, quiet.stderr], [0, ""]);
    await cli(vault, ["set", "old.token", "--ttl", "1s"], { stdin: "t" });
    await untilExpired(vault, "old.token");
    const expired = await cli(vault, [
      "run",
      "--env-file",
      envFile,
      "--",
      "true",
    ], {
      flags: [...flags, `--allow-read=${vault},${envFile}`],
    });
    assertEquals(expired.code, 1, expired.stderr);
    assert(/"old.token" \(expired at /.test(expired.stderr), expired.stderr);
  },
);
