/**
 * Variables that choose what a program runs, or run code in it, when a
 * secret or an `--env-file` would set them for `run`: `PATH` picks the
 * program itself, `LD_PRELOAD` and `BASH_ENV` run code before it, and
 * `GIT_CONFIG_COUNT`, `PYTHONWARNINGS` or `LESSOPEN` make a common program
 * run a command with every secret in its environment. A value from a
 * committed file or a vault must not do that unasked.
 *
 * The rule is a list of families, not of single names, so that a reviewer
 * can reason about it: a family is a name (`HOME`), a prefix (`GIT_*`) or
 * a suffix (`*_EDITOR`), matched without regard to case (Windows and npm
 * read these names so). A variable of a family needs `--allow-exec-env
 * NAME`; `--allow-exec-env` alone lets every one through. The identity
 * variables outside the families (`USER`, `LOGNAME`, `TMPDIR`) only warn.
 *
 * @module
 */

import { join } from "node:path";
import { Failure } from "../failures.ts";

/**
 * The families of variables that choose what runs: each a name, a prefix
 * ending in `*`, or a suffix starting with `*`. docs/security.md lists
 * them, and a test holds the two together.
 */
export const EXEC_ENV_FAMILIES: readonly string[] = [
  // Shells: the program, the start-up files, and code run at each prompt.
  "PATH",
  "CDPATH",
  "ENV",
  "SHELL",
  "SHELLOPTS",
  "BASHOPTS",
  "BASH_*",
  "PROMPT_COMMAND",
  "PS4",
  "IFS",
  "HOME",
  // The dynamic loader and the C library's data paths.
  "LD_*",
  "DYLD_*",
  "GCONV_PATH",
  "LOCPATH",
  "NLSPATH",
  // Language runtimes and their package managers.
  "GIT_*",
  "PYTHON*",
  "PIP_*",
  "PERL*",
  "RUBY*",
  "NODE_*",
  "NPM_CONFIG_*",
  "DENO_*",
  "BUN_*",
  "JAVA_TOOL_OPTIONS",
  "_JAVA_OPTIONS",
  "JDK_JAVA_OPTIONS",
  "MAVEN_OPTS",
  "GRADLE_OPTS",
  "DOTNET_*",
  "CORECLR_*",
  "COMPLUS_*",
  // Programs that other programs start: pagers, editors, browsers.
  "LESS*",
  "PAGER",
  "*_PAGER",
  "EDITOR",
  "VISUAL",
  "*_EDITOR",
  "BROWSER",
  "TERMINFO*",
  // Where programs read their configuration.
  "XDG_*",
  "OPENSSL_CONF",
  "SSL_CERT_*",
  "CURL_HOME",
  "WGETRC",
];

/** What lets every variable through: `--allow-exec-env` with no name. */
export const ALLOW_ALL = "*";

/** Variables that say who the program runs as: replaced, they warn. */
const IDENTITY: ReadonlySet<string> = new Set(["USER", "LOGNAME", "TMPDIR"]);

/** Whether `name` belongs to `family` (both already upper-cased). */
function inFamily(name: string, family: string): boolean {
  if (family.endsWith("*")) return name.startsWith(family.slice(0, -1));
  if (family.startsWith("*")) return name.endsWith(family.slice(1));
  return name === family;
}

/**
 * The family `name` belongs to, or `undefined` when setting it cannot
 * choose what runs.
 *
 * @example Find the family a variable belongs to
 * ```ts
 * import { execEnvFamily } from "./exec_env.ts";
 * import assert from "node:assert/strict";
 * assert.equal(execEnvFamily("GIT_CONFIG_COUNT"), "GIT_*");
 * assert.equal(execEnvFamily("OPENAI_API_KEY"), undefined);
 * ```
 */
export function execEnvFamily(name: string): string | undefined {
  const upper = name.toUpperCase();
  return EXEC_ENV_FAMILIES.find((family) => inFamily(upper, family));
}

/**
 * Checks the variables `run` would set: any in a family of
 * {@linkcode EXEC_ENV_FAMILIES} that `allowed` does not name (nor
 * {@linkcode ALLOW_ALL}) is a {@linkcode Failure} naming them all; one that
 * replaces an identity variable is a warning, to `notify`.
 */
export function checkExecEnv(
  env: Readonly<Record<string, string>>,
  allowed: readonly string[],
  notify: (notice: string) => void,
): void {
  const names = Object.keys(env);
  const open = new Set(allowed.map((name) => name.toUpperCase()));
  const choosing = open.has(ALLOW_ALL)
    ? []
    : names.filter((name) =>
      execEnvFamily(name) !== undefined && !open.has(name.toUpperCase())
    );
  if (choosing.length > 0) {
    const described = choosing.map((name) => {
      const family = execEnvFamily(name);
      return family === name ? name : `${name} (${family})`;
    });
    throw new Failure(
      `${
        described.join(", ")
      } would be set from a secret or --env-file, and can choose what the program runs: nothing ran; pass --allow-exec-env NAME for each one you mean (or --allow-exec-env alone for all)`,
    );
  }
  const replaced = names.filter((name) => IDENTITY.has(name));
  if (replaced.length > 0) {
    notify(
      `the program gets ${replaced.join(", ")} from a secret or --env-file`,
    );
  }
}

/**
 * The program as the caller's `PATH` finds it, when the child's `PATH` is
 * another (set, with `--allow-exec-env`, from a secret or file): which
 * program runs is never chosen by that value. A name with a slash is
 * used as it is.
 */
export function resolveProgram(program: string, childPath: string): string {
  if (program.includes("/")) return program;
  const variable = { name: "env", variable: "PATH" } as const;
  if (Deno.permissions.querySync(variable).state !== "granted") {
    throw new Failure(
      "a PATH from a secret or --env-file: the program is looked up on your own PATH, which needs --allow-env=PATH (or give the program's full path)",
    );
  }
  const callerPath = Deno.env.get("PATH") ?? "";
  if (callerPath === childPath) return program;
  for (const dir of callerPath.split(":").filter(Boolean)) {
    const candidate = join(dir, program);
    try {
      const info = Deno.statSync(candidate);
      if (info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0) return candidate;
    } catch {
      // Not there, or not readable: the next directory.
    }
  }
  return program;
}
