/**
 * Variables from a committed `.env` or a secret's name
 * that make a common program run code, tried with the real programs (git,
 * python3, perl, less). Each payload creates a marker file: refused, the
 * marker must not appear; let through by name with `--allow-exec-env`, it
 * must, which shows the payload is real and the refusal is what stopped it.
 *
 * @module
 */

import { join } from "node:path";
import { assert, assertEquals, assertFalse } from "../../_assert.ts";
import { tempDir } from "../../_helpers.ts";
import { cli } from "../_cli.ts";
import {
  EXEC_ENV_FAMILIES,
  execEnvFamily,
} from "../../../src/cli/environment/exec_env.ts";

/** A way a variable made a program run code, as the attacker found it. */
interface Payload {
  name: string;
  /** The dotenv lines (or, with `secrets`, the secrets to set). */
  variables: Record<string, string>;
  /** Set as secrets rather than written to a committed `.env`. */
  secrets?: boolean;
  program: string[];
}

/** The payloads, made for a scratch directory `dir` and its marker `m`. */
async function payloads(dir: string, m: string): Promise<Payload[]> {
  const repo = join(dir, "repo");
  const git = (...args: string[]) =>
    new Deno.Command("git", { args: ["-C", repo, ...args] }).output();
  await Deno.mkdir(repo);
  await git("init", "-q");
  await git("config", "user.name", "t");
  await git("config", "user.email", "t@example.com");
  const fsmonitor = `[core]\n\tfsmonitor = touch ${m}; true\n`;
  for (const file of ["home/.gitconfig", "xdg/git/config", "gitconfig"]) {
    await Deno.mkdir(join(dir, file, ".."), { recursive: true });
    await Deno.writeTextFile(join(dir, file), fsmonitor);
  }
  const browser = join(dir, "browser.sh");
  await Deno.writeTextFile(browser, `#!/bin/sh\ntouch ${m}\n`);
  await Deno.chmod(browser, 0o755);
  await Deno.writeTextFile(join(dir, "page.txt"), "a page\n");
  const gitStatus = ["git", "-C", repo, "status"];
  const configCount = {
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: "core.fsmonitor",
    GIT_CONFIG_VALUE_0: `touch ${m}; true`,
  };
  return [
    { name: "GIT_CONFIG_*", variables: configCount, program: gitStatus },
    {
      name: "git.config.* secrets",
      variables: {
        "git.config.count": "1",
        "git.config.key.0": "core.fsmonitor",
        "git.config.value.0": `touch ${m}; true`,
      },
      secrets: true,
      program: gitStatus,
    },
    {
      name: "GIT_CONFIG_GLOBAL",
      variables: { GIT_CONFIG_GLOBAL: join(dir, "gitconfig") },
      program: gitStatus,
    },
    {
      name: "XDG_CONFIG_HOME",
      variables: { XDG_CONFIG_HOME: join(dir, "xdg") },
      program: gitStatus,
    },
    {
      name: "HOME",
      variables: { HOME: join(dir, "home") },
      program: gitStatus,
    },
    {
      name: "GIT_EDITOR",
      variables: { GIT_EDITOR: `touch ${m}; true` },
      program: ["git", "-C", repo, "commit", "-q", "--allow-empty"],
    },
    {
      name: "PYTHONWARNINGS with BROWSER",
      variables: { PYTHONWARNINGS: "ignore::antigravity.x", BROWSER: browser },
      program: ["python3", "-c", "pass"],
    },
    {
      name: "LESSOPEN",
      variables: { LESSOPEN: `|touch ${m}; cat %s` },
      program: ["less", join(dir, "page.txt")],
    },
    {
      name: "PERL5OPT with PERL5DB",
      variables: {
        PERL5OPT: "-d",
        PERL5DB: `BEGIN { open my $f, ">", "${m}" }`,
      },
      program: ["perl", "-e", "1"],
    },
  ];
}

const RUN = "--allow-run=git,python3,perl,less,true";

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("variables that make git, python3, perl or less run code are refused unless let through by name", async (t) => {
  await using dir = await tempDir();
  const marker = join(dir.path, "PWNED");
  for (const payload of await payloads(dir.path, marker)) {
    await t.step(payload.name, async () => {
      await using scratch = await tempDir();
      const vault = join(scratch.path, "vault");
      const envFile = join(scratch.path, ".env");
      const flags = [`--allow-read=${vault},${envFile}`, RUN];
      const lines = Object.entries(payload.variables).map(([k, v]) =>
        `${k}='${v}'`
      );
      if (payload.secrets) {
        await cli(vault, ["import", "-"], { stdin: lines.join("\n") + "\n" });
      } else {
        await cli(vault, ["set", "app.token"], { stdin: "tok-123456" });
        await Deno.writeTextFile(envFile, lines.join("\n") + "\n");
      }
      const source = payload.secrets ? [] : ["--env-file", envFile];
      const refused = await cli(
        vault,
        ["run", ...source, "--", ...payload.program],
        { flags },
      );
      assertEquals(refused.code, 1, refused.stderr);
      assert(/--allow-exec-env NAME/.test(refused.stderr), refused.stderr);
      assertFalse(await exists(marker), "the payload ran");

      const names = payload.secrets
        ? ["GIT_CONFIG_COUNT", "GIT_CONFIG_KEY_0", "GIT_CONFIG_VALUE_0"]
        : Object.keys(payload.variables);
      const partly = await cli(
        vault,
        ["run", ...source, "--allow-exec-env", names[0], "--", "true"],
        { flags },
      );
      assertEquals(partly.code, names.length > 1 ? 1 : 0, partly.stderr);

      const allowed = names.flatMap((name) => ["--allow-exec-env", name]);
      await cli(
        vault,
        ["run", ...source, ...allowed, "--", ...payload.program],
        { flags },
      );
      assert(await exists(marker), "let through, the payload should run");
      await Deno.remove(marker);
    });
  }
});

Deno.test("--allow-exec-env alone lets every variable through, before -- or another option", async () => {
  await using dir = await tempDir();
  const vault = join(dir.path, "vault");
  await cli(vault, ["import", "-"], { stdin: "git.dir=/nowhere\n" });
  for (
    const args of [
      ["--allow-exec-env", "--", "sh", "-c", 'printf %s "$GIT_DIR"'],
      ["--allow-exec-env", "--quiet", "--", "sh", "-c", 'printf %s "$GIT_DIR"'],
    ]
  ) {
    const ran = await cli(vault, ["run", ...args], {
      flags: ["--allow-run=sh"],
    });
    assertEquals([ran.code, ran.stdout], [0, "/nowhere"], ran.stderr);
  }
});

Deno.test("the families are matched as a name, a prefix or a suffix, in any case", () => {
  const cases: [string, string | undefined][] = [
    ["GIT_CONFIG_COUNT", "GIT_*"],
    ["git_dir", "GIT_*"],
    ["BASH_FUNC_ls%%", "BASH_*"],
    ["npm_config_script_shell", "NPM_CONFIG_*"],
    ["COMPlus_DbgEnableMiniDump", "COMPLUS_*"],
    ["GIT_PAGER", "GIT_*"],
    ["SYSTEMD_PAGER", "*_PAGER"],
    ["SUDO_EDITOR", "*_EDITOR"],
    ["TERMINFO_DIRS", "TERMINFO*"],
    ["PYTHONWARNINGS", "PYTHON*"],
    ["PERL5DB", "PERL*"],
    ["HOME", "HOME"],
    ["HOMEPAGE_URL", undefined],
    ["OPENAI_API_KEY", undefined],
    ["DATABASE_URL", undefined],
    ["USER", undefined],
  ];
  for (const [name, family] of cases) {
    assertEquals(execEnvFamily(name), family, name);
  }
});

Deno.test("docs/security.md lists every family the code refuses", async () => {
  const doc = await Deno.readTextFile(
    new URL("../../../docs/security.md", import.meta.url),
  );
  for (const family of EXEC_ENV_FAMILIES) {
    assert(doc.includes(`\`${family}\``), `${family} is not in the doc`);
  }
});
