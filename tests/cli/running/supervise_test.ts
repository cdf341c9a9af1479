/**
 * `run --watch` through a real `deno run`, with a second process (this
 * test) changing secrets: a change restarts the program with the new
 * value, an unrelated one does not, three quick ones restart it once, a
 * program that exits ends the run with its code, and SIGTERM ends it.
 *
 * @module
 */

import { join } from "node:path";
import { assert, assertEquals } from "../../_assert.ts";
import { SecretsEngine } from "../../../mod.ts";
import { runCommand, tempDir, until } from "../../_helpers.ts";
import { cliArgs, cliTest } from "../_cli.ts";

const FLAGS = ["--allow-run=sh,setpriv", "--allow-env=PATH"];

/** The lines of `path`, or none while it does not exist. */
async function lines(path: string): Promise<string[]> {
  try {
    return (await Deno.readTextFile(path)).split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

/** Whether any process's command line holds `marker`, read from /proc. */
async function running(marker: string): Promise<boolean> {
  const { stdout } = await new Deno.Command("sh", {
    args: [
      "-c",
      'for f in /proc/[0-9]*/cmdline; do tr "\\0" " " < "$f"; echo; done 2>/dev/null',
    ],
    stdout: "piped",
  }).output();
  return new TextDecoder().decode(stdout).split("\n")
    .some((line) => line.includes(marker) && !line.includes("/proc/"));
}

/** Spawns `secrets run --watch [flags] -- sh -c script` on `vault`. */
function runWatch(
  vault: string,
  script: string,
  flags: string[] = [],
): Deno.ChildProcess {
  return new Deno.Command("deno", {
    args: cliArgs(
      vault,
      ["run", "--watch", ...flags, "--", "sh", "-c", script],
      FLAGS,
    ),
    stdout: "null",
    stderr: "piped",
  }).spawn();
}

/** Whether `path` reaches `count` lines, polled. */
function reaches(path: string, count: number): Promise<boolean> {
  return until(async () => (await lines(path)).length === count);
}

/**
 * A vault in `dir` holding `api.token` = `t-1`, and `run --watch [flags]`
 * on `script` (given the path of a file it writes its starts to), once the
 * program wrote its first line there.
 */
async function watchedProgram(
  dir: string,
  script: (starts: string) => string,
  flags: string[] = [],
): Promise<{ vault: string; starts: string; child: Deno.ChildProcess }> {
  const vault = join(dir, "vault");
  const starts = join(dir, "starts.txt");
  await setToken(vault, "t-1");
  const child = runWatch(vault, script(starts), flags);
  assert(await reaches(starts, 1));
  return { vault, starts, child };
}

/** Sets `api.token` from this process, as another program would. */
async function setToken(vault: string, value: string): Promise<void> {
  await using engine = await SecretsEngine.open({ path: vault });
  await engine.set("api.token", value);
}

cliTest(
  "run --watch restarts the program when a secret it received changes, once for a burst, never for another secret",
  async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    const starts = join(dir.path, "starts.txt");
    {
      await using engine = await SecretsEngine.open({ path: vault });
      await engine.setMany({ "api.token": "t-1", "other.key": "o-1" });
    }
    const child = runWatch(
      vault,
      `echo "$API_TOKEN" >> '${starts}'; exec sleep 60`,
      ["--only", "api.*"],
    );
    await using engine = await SecretsEngine.open({ path: vault });
    assert(await reaches(starts, 1));
    // No fixed wait for what must not happen: each step ends with a change
    // that must restart the program, and the restarts are counted after.
    await engine.set("other.key", "o-2");
    await engine.set("api.token", "t-2");
    assert(await reaches(starts, 2));
    await engine.set("api.token", "t-3");
    await engine.set("api.token", "t-4");
    await engine.set("api.token", "t-5");
    assert(await reaches(starts, 3));
    await engine.set("api.token", "t-6");
    assert(await reaches(starts, 4));
    assertEquals(await lines(starts), ["t-1", "t-2", "t-5", "t-6"]);
    child.kill("SIGTERM");
    const { code, stderr } = await child.output();
    const said = new TextDecoder().decode(stderr);
    assertEquals(code, 143, said);
    assertEquals(said.match(/api\.token changed: restarting sh/g)?.length, 3);
    assert(!said.includes("other.key"), "an unrelated change was reported");
  },
);

cliTest(
  "run --watch ends with the program's own code when it exits, and --signal sends the signal instead of restarting",
  async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    await setToken(vault, "t-1");
    const exits = await new Deno.Command("deno", {
      args: cliArgs(
        vault,
        ["run", "--watch", "--", "sh", "-c", "exit 3"],
        FLAGS,
      ),
      stdout: "null",
      stderr: "piped",
    }).output();
    assertEquals(exits.code, 3, new TextDecoder().decode(exits.stderr));
    const reloads = join(dir.path, "reloads.txt");
    const child = runWatch(
      vault,
      `trap 'echo "$API_TOKEN" >> "${reloads}"' HUP; echo ready >> '${reloads}'; while :; do sleep 0.1; done`,
      ["--signal", "HUP"],
    );
    assert(await reaches(reloads, 1));
    await setToken(vault, "t-2");
    // The program keeps the environment it started with: a reload is its own.
    assert(await reaches(reloads, 2));
    assertEquals(await lines(reloads), ["ready", "t-1"]);
    child.kill("SIGTERM");
    const { stderr } = await child.output();
    assert(
      new TextDecoder().decode(stderr).includes("sent SIGHUP to sh"),
    );
  },
);

cliTest(
  "a signal that comes while run --watch restarts the program ends the run, and nothing starts again",
  async () => {
    await using dir = await tempDir();
    const { vault, starts, child } = await watchedProgram(
      dir.path,
      (starts) =>
        `echo start >> '${starts}'; trap 'sleep 1; exit 0' TERM; while :; do sleep 0.1; done`,
    );
    assert(await running(starts));
    await setToken(vault, "t-2");
    // The program takes a second to stop: interrupt the restart meanwhile.
    const stderr = child.stderr.pipeThrough(new TextDecoderStream())
      .getReader();
    let said = "";
    while (!said.includes("restarting")) {
      const { value, done } = await stderr.read();
      if (done) break;
      said += value;
    }
    child.kill("SIGINT");
    stderr.releaseLock();
    const { code } = await child.status;
    await child.stderr.cancel().catch(() => {});
    assertEquals(code, 130);
    // A program started by a late restart would still be running, or
    // would have written a second line before it stopped.
    assert(await until(async () => !(await running(starts))));
    assertEquals(await lines(starts), ["start"]);
  },
);

cliTest(
  "a vault destroyed under run --watch ends the run with a message, and the program is stopped with SIGTERM",
  async () => {
    await using dir = await tempDir();
    const { vault, starts, child } = await watchedProgram(
      dir.path,
      (starts) =>
        `trap 'echo stopped >> "${starts}"; exit 0' TERM; echo started >> '${starts}'; while :; do sleep 0.1; done`,
    );
    await (await SecretsEngine.open({ path: vault })).destroy();
    const { code } = await child.status;
    // Not read to its end: a program left running would hold it open.
    const reader = child.stderr.pipeThrough(new TextDecoderStream())
      .getReader();
    const { value: said = "" } = await reader.read();
    await reader.cancel();
    assertEquals(code, 1, said);
    assert(said.includes("destroyed"), said);
    // It was stopped as a restart stops it (SIGTERM, which it traps), not
    // left to die with the run.
    assert(
      await until(async () => (await lines(starts)).includes("stopped"), 2000),
      "the program was not sent SIGTERM",
    );
  },
);

// In 0.3, with --only, deleting the secret ended the run for
// good (exit 1); without it, the program restarted without the variable.
for (const only of [[], ["--only", "api.token"]]) {
  cliTest(
    `run --watch ${
      only.join(" ") || "(every secret)"
    }: a deleted secret restarts the program without it, with a warning, and a later set restarts it with it`,
    async () => {
      await using dir = await tempDir();
      const { vault, starts, child } = await watchedProgram(
        dir.path,
        (starts) => `echo "token=$API_TOKEN" >> '${starts}'; exec sleep 60`,
        only,
      );
      {
        await using engine = await SecretsEngine.open({ path: vault });
        await engine.delete("api.token");
      }
      assert(await reaches(starts, 2));
      await setToken(vault, "t-2");
      assert(await reaches(starts, 3));
      assertEquals(await lines(starts), ["token=t-1", "token=", "token=t-2"]);
      child.kill("SIGTERM");
      const { code, stderr } = await child.output();
      const said = new TextDecoder().decode(stderr);
      assertEquals(code, 143, said);
      if (only.length > 0) {
        assert(
          /api\.token matches no secret.*runs without it/.test(said),
          said,
        );
      }
    },
  );
}

/**
 * Whether process `pid` has ended (gone, or a zombie no one reaped), read
 * through `sh`: Deno lets only `--allow-all` read `/proc`.
 */
async function ended(pid: number): Promise<boolean> {
  const { stdout } = await runCommand("sh", [
    "-c",
    `cat /proc/${pid}/stat 2>/dev/null`,
  ]);
  return stdout === "" || stdout.slice(stdout.lastIndexOf(")") + 2)[0] === "Z";
}

// In 0.3, run --watch killed with SIGKILL left its program
// running forever with old secrets, reparented to PID 1.
cliTest(
  "run --watch killed with SIGKILL: its program gets SIGTERM from the kernel and ends",
  async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    const pidFile = join(dir.path, "pid");
    await setToken(vault, "t-1");
    const child = runWatch(vault, `echo $$ > '${pidFile}'; exec sleep 300`);
    assert(await reaches(pidFile, 1));
    const pid = Number((await lines(pidFile))[0]);
    assert(!await ended(pid));
    child.kill("SIGKILL");
    // An orphaned program would hold stderr open: read the status alone.
    await child.stderr.cancel();
    await child.status;
    assert(
      await until(() => ended(pid)),
      `the program (pid ${pid}) outlived run --watch`,
    );
  },
);
