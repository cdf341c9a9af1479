/**
 * Variables that choose what a program runs, or who it thinks it is, when
 * a secret or an `--env-file` would set them for `run`: `PATH` picks the
 * program itself, `BASH_ENV` and `LD_PRELOAD` run code before it. A value
 * from a file or a vault must not do that unasked, so those need
 * `--allow-exec-env`; the identity variables (`HOME`, `USER`…) only warn.
 *
 * @module
 */

import { join } from "node:path";
import { Failure } from "./command.ts";

/** Variables that choose the program, or run code in it or before it. */
const CHOOSES_WHAT_RUNS: ReadonlySet<string> = new Set([
  "PATH",
  "BASH_ENV",
  "ENV",
  "IFS",
  "CDPATH",
  "PROMPT_COMMAND",
  "SHELLOPTS",
  "BASHOPTS",
  "PS4",
  "NODE_OPTIONS",
  "NODE_PATH",
  "PYTHONSTARTUP",
  "PYTHONPATH",
  "PYTHONHOME",
  "PYTHONINSPECT",
  "PERL5OPT",
  "PERL5LIB",
  "PERLLIB",
  "RUBYOPT",
  "RUBYLIB",
  "JAVA_TOOL_OPTIONS",
  "_JAVA_OPTIONS",
  "JDK_JAVA_OPTIONS",
  "GCONV_PATH",
  "GIT_EXEC_PATH",
  "GIT_SSH_COMMAND",
]);

/** Prefixes of the dynamic loader's variables (`LD_PRELOAD`, `DYLD_…`). */
const LOADER_PREFIXES = ["LD_", "DYLD_"];

/** Variables that say who and where the program is: replaced, they warn. */
const IDENTITY: ReadonlySet<string> = new Set([
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "TMPDIR",
]);

/**
 * Whether setting `name` chooses what runs.
 *
 * @example Calling choosesWhatRuns
 * ```ts
 * import { choosesWhatRuns } from "./exec_env.ts";
 * import assert from "node:assert/strict";
 * assert.equal(choosesWhatRuns("LD_PRELOAD"), true);
 * assert.equal(choosesWhatRuns("OPENAI_API_KEY"), false);
 * ```
 */
export function choosesWhatRuns(name: string): boolean {
  return CHOOSES_WHAT_RUNS.has(name) ||
    LOADER_PREFIXES.some((prefix) => name.startsWith(prefix));
}

/**
 * Checks the variables `run` would set: one that chooses what runs is a
 * {@linkcode Failure} naming them all, unless `allowed`; one that replaces
 * an identity variable is a warning, to `notify`.
 */
export function checkExecEnv(
  env: Readonly<Record<string, string>>,
  allowed: boolean,
  notify: (notice: string) => void,
): void {
  const names = Object.keys(env);
  const choosing = names.filter(choosesWhatRuns);
  if (choosing.length > 0 && !allowed) {
    throw new Failure(
      `${
        choosing.join(", ")
      } would be set from a secret or --env-file, and would choose what runs: nothing ran; pass --allow-exec-env if you mean it`,
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
