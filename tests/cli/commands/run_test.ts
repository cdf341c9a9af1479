/**
 * `secrets run` through a real `deno run`: exit codes, signals, redaction
 * as it streams, and names that map to no environment variable.
 *
 * @module
 */

import { join } from "node:path";
import { assert, assertEquals, assertFalse } from "../../_assert.ts";
import {
  canRun,
  type ChildResult,
  readUntil,
  runDeno,
  tempDir,
} from "../../_helpers.ts";
import { atTerminal, CLI, cli, cliArgs } from "../_cli.ts";

const test = (
  name: string,
  fn: (vault: string, dir: string) => Promise<void>,
) =>
  Deno.test({
    name,
    ignore: !canRun("deno") || !canRun("sh") || Deno.build.os === "windows",
    fn: async () => {
      await using dir = await tempDir();
      const vault = join(dir.path, "vault");
      await cli(vault, ["import", "-"], {
        stdin: "app.token=tok-123456\nother.key=other-value\n",
      });
      await fn(vault, dir.path);
    },
  });

function runSh(
  vault: string,
  script: string,
  extra: string[] = [],
): Promise<ChildResult> {
  return cli(vault, ["run", ...extra, "--", "sh", "-c", script], {
    flags: ["--allow-run=sh"],
  });
}

// Every signal but four gave 128; a program that is not
// executable gave a stack trace.
test(
  "run exit codes: 128+N for each signal, 126 not executable, 127 missing",
  async (vault, dir) => {
    const signals: [string, number][] = [
      ["ABRT", 6],
      ["SEGV", 11],
      ["PIPE", 13],
      ["QUIT", 3],
      ["USR1", 10],
      ["TERM", 15],
    ];
    for (const [name, number] of signals) {
      const result = await runSh(vault, `kill -${name} $$`);
      assertEquals(result.code, 128 + number, `SIG${name}: ${result.stderr}`);
    }
    assertEquals((await runSh(vault, "exit 7")).code, 7);
    const script = join(dir, "not-executable.sh");
    await Deno.writeTextFile(script, "#!/bin/sh\necho hi\n", { mode: 0o600 });
    const denied = await cli(vault, ["run", "--", script], {
      flags: [`--allow-run=${script}`],
    });
    assertEquals(denied.code, 126, denied.stderr);
    assert(denied.stderr.includes("not executable"), denied.stderr);
    assertFalse(/\n\s+at /.test(denied.stderr), "a stack trace");
    const missing = join(dir, "absent");
    const absent = await cli(vault, ["run", "--", missing], {
      flags: [`--allow-run=${missing}`],
    });
    assertEquals(absent.code, 127, absent.stderr);
  },
);

// One name with no environment name broke run for the
// whole vault without saying which.
test("a name with no environment name is skipped with a warning, or an error when --only asks for it", async (vault) => {
  await cli(vault, ["set", "パスワード"], { stdin: "hidden" });
  const result = await runSh(vault, 'printf "%s" "$APP_TOKEN"');
  assertEquals([result.code, result.stdout], [0, "tok-123456"]);
  assert(result.stderr.includes('"パスワード"'), result.stderr);
  const asked = await runSh(vault, "true", ["--only", "パ*"]);
  assertEquals(asked.code, 1);
  assert(asked.stderr.includes('"パスワード"'), asked.stderr);
});

// A repeated --only kept only the last pattern, and a
// pattern matching nothing ran the program with no secrets.
test("--only may repeat; a pattern that matches nothing is an error", async (vault) => {
  const both = await runSh(
    vault,
    'printf "%s,%s" "$APP_TOKEN" "$OTHER_KEY"',
    ["--only", "app.*", "--only", "other.*"],
  );
  assertEquals([both.code, both.stdout], [0, "tok-123456,other-value"]);
  const one = await runSh(vault, 'printf "%s" "${OTHER_KEY:-unset}"', [
    "--only",
    "app.*",
  ]);
  assertEquals(one.stdout, "unset");
  const none = await runSh(vault, "true", ["--only", "nothing.*"]);
  assertEquals(none.code, 1);
  assert(none.stderr.includes("nothing.* matches no secret"), none.stderr);
});

// Redacted output was held until the program exited.
test(
  "run --redact passes output through while the program still runs",
  async (vault, dir) => {
    const go = join(dir, "go");
    const child = new Deno.Command("deno", {
      args: cliArgs(vault, [
        "run",
        "--redact",
        "--",
        "sh",
        "-c",
        `echo "listening with tok-123456"; while [ ! -e '${go}' ]; do sleep 0.05; done; echo done`,
      ], ["--allow-run=sh"]),
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const [early, rest] = child.stdout.tee();
    const deadline = new Promise<string>((resolve) =>
      setTimeout(() => resolve("timed out"), 15_000)
    );
    const first = await Promise.race([readUntil(early, "listening"), deadline]);
    await Deno.writeTextFile(go, "");
    const all = await new Response(rest).text();
    assertEquals((await child.status).code, 0);
    assert(first.includes("listening with <redacted>"), first);
    assertEquals(all, "listening with <redacted>\ndone\n");
  },
);

// `run --redact | head` died with a BrokenPipe trace.
test("run --redact into a closed pipe exits without a stack trace", async (vault) => {
  const command = [
    "deno run --no-prompt",
    `--allow-read=${vault} --allow-write=${vault} --allow-run=sh`,
    CLI,
    `--path ${vault} run --redact -- sh -c 'yes tok-123456 | head -n 100000'`,
    "| head -n 1",
  ].join(" ");
  const { stdout, stderr } = await new Deno.Command("sh", {
    args: ["-c", command],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(new TextDecoder().decode(stdout), "<redacted>\n");
  const errors = new TextDecoder().decode(stderr);
  assertFalse(/\n\s+at |BrokenPipe/.test(errors), errors);
});

// Ctrl-C reached the child twice, from the terminal and
// again from the CLI.
Deno.test({
  name:
    "Ctrl-C at a terminal reaches the program once, and the CLI waits for it",
  ignore: !canRun("deno") || !canRun("python3") || Deno.build.os === "windows",
  fn: async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    await cli(vault, ["set", "a"], { stdin: "1" });
    const program = [
      "import signal, time",
      "count = [0]",
      "signal.signal(signal.SIGINT, lambda *_: count.__setitem__(0, count[0] + 1))",
      "print('ready', flush=True)",
      "time.sleep(1.5)",
      "print('interrupts', count[0], flush=True)",
    ].join("\n");
    const result = await atTerminal(
      [{ expect: "ready" }, { send: "\x03" }],
      [
        "deno",
        ...cliArgs(vault, ["run", "--", "python3", "-c", program], [
          "--allow-run=python3",
        ]),
      ],
    );
    assert(result.output.includes("interrupts 1"), result.output);
    assertEquals(result.code, 0, result.output);
  },
});

// A committed .env.tpl names secrets instead of holding them.
test(
  "run --env-file: references resolved, plain values kept, only the file's variables",
  async (vault, dir) => {
    const template = join(dir, ".env.tpl");
    await Deno.writeTextFile(
      template,
      "TOKEN=secrets://app.token\nMODE=production\nQUOTED='secrets://other.key'\n",
    );
    const result = await cli(vault, [
      "run",
      "--env-file",
      template,
      "--",
      "sh",
      "-c",
      'printf "%s|%s|%s|%s" "$TOKEN" "$MODE" "$QUOTED" "${APP_TOKEN:-absent}"',
    ], { flags: ["--allow-run=sh", `--allow-read=${template}`] });
    assertEquals(result.code, 0, result.stderr);
    assertEquals(result.stdout, "tok-123456|production|other-value|absent");
  },
);

test(
  "run --env-file: later files override earlier ones and the environment",
  async (vault, dir) => {
    const base = join(dir, "base.env");
    const local = join(dir, "local.env");
    await Deno.writeTextFile(base, "A=base\nB=secrets://app.token\n");
    await Deno.writeTextFile(local, "B=local\n");
    const args = cliArgs(vault, [
      "run",
      "--env-file",
      base,
      "--env-file",
      local,
      "--",
      "sh",
      "-c",
      'printf "%s|%s" "$A" "$B"',
    ], [`--allow-read=${dir}`, "--allow-run=sh"]);
    const result = await runDeno(args, { env: { A: "outer" } });
    assertEquals(
      [result.code, result.stdout],
      [0, "base|local"],
      result.stderr,
    );
  },
);

test(
  "run --env-file: missing references are listed at once and nothing runs",
  async (vault, dir) => {
    const template = join(dir, ".env.tpl");
    await Deno.writeTextFile(
      template,
      "A=secrets://gone.one\nB=secrets://app.token\nC=secrets://gone.two\n",
    );
    const marker = join(dir, "ran");
    const result = await cli(vault, [
      "run",
      "--env-file",
      template,
      "--",
      "sh",
      "-c",
      `touch '${marker}'`,
    ], { flags: ["--allow-run=sh", `--allow-read=${template}`] });
    assertEquals(result.code, 1);
    assert(result.stderr.includes('"gone.one", "gone.two"'), result.stderr);
    assertFalse(await Deno.stat(marker).then(() => true, () => false));
    const both = await cli(vault, [
      "run",
      "--only",
      "app.*",
      "--env-file",
      template,
      "--",
      "true",
    ]);
    assertEquals(both.code, 2);
  },
);

test(
  "run --pristine: the program sees the resolved variables and PATH, nothing else",
  async (vault, dir) => {
    const template = join(dir, ".env.tpl");
    await Deno.writeTextFile(template, "TOKEN=secrets://app.token\nMODE=ci\n");
    const args = ["run", "--pristine", "--env-file", template, "--", "env"];
    const flags = ["--allow-run=env", `--allow-read=${template}`];
    const denied = await cli(vault, args, { flags });
    assertEquals(denied.code, 1);
    assert(denied.stderr.includes("--allow-env=PATH"), denied.stderr);
    const result = await cli(vault, args, {
      flags: [...flags, "--allow-env=PATH"],
    });
    assertEquals(result.code, 0, result.stderr);
    const names = result.stdout.trim().split("\n").map((l) => l.split("=")[0]);
    assertEquals(names.sort(), ["MODE", "PATH", "TOKEN"]);
  },
);

// A program run started read the unlock key from
// /proc/$PPID/environ after --key-env, then opened the whole vault.
test(
  "a key piped to --key-file - is in no environment a program run starts can read, and the rest of stdin is its",
  async (vault) => {
    const added = await cli(vault, ["slots", "add", "key"]);
    assertEquals(added.code, 0, added.stderr);
    const key = added.stdout.trim();
    const spy =
      'tr "\\0" "\\n" < /proc/$PPID/environ; printf "stdin:"; cat; printf "%s" "$APP_TOKEN"';
    const piped = await cli(
      vault,
      ["--key-file", "-", "run", "--", "sh", "-c", spy],
      { stdin: `${key}\nrest of input`, flags: ["--allow-run=sh"] },
    );
    assertEquals(piped.code, 0, piped.stderr);
    assertFalse(piped.stdout.includes(key), "the key is readable");
    assert(piped.stdout.includes("stdin:rest of input"), piped.stdout);
    assert(piped.stdout.endsWith("tok-123456"), piped.stdout);
    // --key-env cannot do as much, as --help and docs/security.md say:
    // the CLI's initial environment still holds the variable.
    const fromEnv = await runDeno(
      cliArgs(vault, ["--key-env", "CI_KEY", "run", "--", "sh", "-c", spy], [
        "--allow-run=sh",
        "--allow-env=CI_KEY",
      ]),
      { env: { CI_KEY: key } },
    );
    assertEquals(fromEnv.code, 0, fromEnv.stderr);
    assert(fromEnv.stdout.includes(`CI_KEY=${key}`), "the limitation changed");
  },
);

// One text value with a NUL, or over 128 KiB, made every
// run fail with "unexpected TypeError" or "Argument list too long".
test(
  "a secret no environment variable can hold is skipped by name, and refused when asked for",
  async (vault, dir) => {
    const big = "b".repeat(200 * 1024);
    assertEquals(
      (await cli(vault, ["set", "nul.value"], { stdin: "a\0b" })).code,
      0,
    );
    assertEquals(
      (await cli(vault, ["set", "ca.bundle"], { stdin: big })).code,
      0,
    );
    const ran = await runSh(vault, 'printf "%s" "$APP_TOKEN"');
    assertEquals([ran.code, ran.stdout], [0, "tok-123456"], ran.stderr);
    assert(
      /skipped "nul.value", which holds a NUL/.test(ran.stderr),
      ran.stderr,
    );
    assert(
      /skipped "ca.bundle", which is 200 KiB/.test(ran.stderr),
      ran.stderr,
    );
    assertFalse(/unexpected/.test(ran.stderr));
    for (const only of ["nul.value", "ca.bundle"]) {
      const asked = await runSh(vault, "true", ["--only", only]);
      assertEquals(asked.code, 1, asked.stderr);
      assert(asked.stderr.includes(`"${only}"`), asked.stderr);
    }
    const envFile = join(dir, ".env");
    await Deno.writeTextFile(envFile, "CA=secrets://ca.bundle\n");
    const referenced = await cli(
      vault,
      ["run", "--env-file", envFile, "--", "true"],
      { flags: [`--allow-read=${vault},${envFile}`, "--allow-run=true"] },
    );
    assertEquals(referenced.code, 1, referenced.stderr);
    assert(/"ca.bundle" is 200 KiB/.test(referenced.stderr), referenced.stderr);
    const exported = await cli(vault, ["export"]);
    assertEquals(exported.code, 0, exported.stderr);
    assertFalse(exported.stdout.includes("\0"));
    assert(
      exported.stdout.includes("CA_BUNDLE="),
      "a big value is fine in dotenv",
    );
    assert(/skipped "nul.value"/.test(exported.stderr), exported.stderr);
  },
);

test(
  "secrets too large for an environment in all are a clear failure, not a raw spawn error",
  async (vault) => {
    const value = "v".repeat(120 * 1024);
    for (let i = 0; i < 20; i++) {
      await cli(vault, ["set", `part${i}`], { stdin: value });
    }
    const ran = await runSh(vault, "true");
    assertEquals(ran.code, 1, ran.stderr);
    assert(
      /more than a program's environment can hold/.test(ran.stderr),
      ran.stderr,
    );
    assertFalse(/unexpected|os error/.test(ran.stderr), ran.stderr);
  },
);

// A .env given to run --env-file that set PATH chose
// which program ran, and one that set BASH_ENV ran code before it.
test(
  "variables that choose what runs need --allow-exec-env, and the program is still found on the caller's PATH",
  async (vault, dir) => {
    const planted = join(dir, "planted");
    await Deno.mkdir(planted);
    await Deno.writeTextFile(join(planted, "sh"), "#!/bin/sh\necho PWNED\n");
    await Deno.chmod(join(planted, "sh"), 0o755);
    const flags = [
      `--allow-read=${vault},${dir},/usr/bin,/bin`,
      "--allow-run=sh",
      "--allow-env=PATH",
    ];
    for (const line of [`PATH=${planted}`, `BASH_ENV=${planted}/sh`]) {
      const envFile = join(dir, ".env");
      await Deno.writeTextFile(envFile, `${line}\n`);
      const refused = await cli(
        vault,
        ["run", "--env-file", envFile, "--", "sh", "-c", "echo ran"],
        { flags },
      );
      assertEquals(refused.code, 1, refused.stderr);
      assert(/--allow-exec-env/.test(refused.stderr), refused.stderr);
      assertFalse(refused.stdout.includes("ran"), refused.stdout);
    }
    const envFile = join(dir, ".env");
    await Deno.writeTextFile(envFile, `PATH=${planted}\n`);
    const allowed = await cli(
      vault,
      [
        "run",
        "--allow-exec-env",
        "--env-file",
        envFile,
        "--",
        "sh",
        "-c",
        'printf "%s" "$PATH"',
      ],
      { flags },
    );
    assertEquals(allowed.code, 0, allowed.stderr);
    assertEquals(
      allowed.stdout,
      planted,
      "the caller's sh ran, with that PATH",
    );
    assertEquals(
      (await cli(vault, ["set", "path"], { stdin: "/tmp" })).code,
      0,
    );
    const secret = await runSh(vault, "true");
    assertEquals(secret.code, 1, secret.stderr);
    assert(/^secrets: PATH would be set/m.test(secret.stderr), secret.stderr);
    await cli(vault, ["delete", "path"]);
    await cli(vault, ["set", "user"], { stdin: "nobody" });
    const user = await runSh(vault, 'printf "%s" "$USER"');
    assertEquals([user.code, user.stdout], [0, "nobody"], user.stderr);
    assert(/gets USER from a secret/.test(user.stderr), user.stderr);
  },
);
