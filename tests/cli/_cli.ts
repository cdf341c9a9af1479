/**
 * Running the `secrets` CLI as a user does: a real `deno run` of the entry
 * point, with read and write on the vault and the flags a test adds.
 *
 * @module
 */

import { canSpawn, type ChildResult, runDeno } from "../_helpers.ts";

/** The CLI's entry point. */
export const CLI: string =
  new URL("../../src/cli/main.ts", import.meta.url).pathname;

/**
 * The arguments of `deno` that run `secrets --path vault ...args` with the
 * vault's read/write flags and `flags`; `prompt` leaves out `--no-prompt`,
 * as a user may.
 */
export function cliArgs(
  vault: string,
  args: string[],
  flags: string[] = [],
  prompt = false,
): string[] {
  return [
    "run",
    ...(prompt ? [] : ["--no-prompt"]),
    `--allow-read=${vault}`,
    `--allow-write=${vault}`,
    ...flags,
    CLI,
    "--path",
    vault,
    ...args,
  ];
}

/** Runs `secrets --path vault ...args` with the vault's read/write flags. */
export function cli(
  vault: string,
  args: string[],
  options: { stdin?: string | Uint8Array; flags?: string[] } = {},
): Promise<ChildResult> {
  return runDeno(cliArgs(vault, args, options.flags), {
    stdin: options.stdin,
  });
}

/** A test that needs to spawn `deno`, skipped (and so marked) without it. */
export function cliTest(
  name: string,
  fn: (t: Deno.TestContext) => Promise<void>,
): void {
  Deno.test({ name, ignore: !canSpawn, fn });
}

/** What a command did at a pseudo-terminal. */
export interface TerminalResult {
  /** Its exit code. */
  code: number;
  /** Everything the terminal showed. */
  output: string;
}

/** A step of a terminal session: wait for text, type text, or pause. */
export type TerminalStep = { expect: string } | { send: string } | {
  sleep: number;
};

/**
 * Runs `command` at a pseudo-terminal (`tests/cli/pty_driver.py`), typing
 * as `steps` say.
 */
export async function atTerminal(
  steps: TerminalStep[],
  command: string[],
): Promise<TerminalResult> {
  const driver = new URL("./pty_driver.py", import.meta.url).pathname;
  const { stdout, stderr } = await new Deno.Command("python3", {
    args: [driver, JSON.stringify(steps), ...command],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const decoder = new TextDecoder();
  const result = JSON.parse(decoder.decode(stdout) || "null");
  if (typeof result?.output !== "string") {
    throw new Error(`the pty driver failed: ${decoder.decode(stderr)}`);
  }
  return result;
}

const CONFIG = new URL("../../deno.json", import.meta.url).pathname;

/**
 * Puts a `secrets` command in `bin`, as the README's install line makes it
 * (its flags, the clone's entry point and configuration), for tests that
 * run the README's shell lines as written.
 */
export async function installSecrets(bin: string): Promise<void> {
  await Deno.mkdir(bin, { recursive: true });
  const script = `${bin}/secrets`;
  await Deno.writeTextFile(
    script,
    `#!/bin/sh\nexec ${Deno.execPath()} run --no-prompt --allow-read --allow-write ` +
      `--allow-env --allow-sys=hostname,userInfo,uid,gid --allow-run ` +
      `--config ${CONFIG} ${CLI} "$@"\n`,
  );
  await Deno.chmod(script, 0o755);
}

/** A PATH holding `bin` and the system's tools, without reading this process's PATH. */
export function pathWith(bin: string): string {
  return `${bin}:/usr/local/bin:/usr/bin:/bin`;
}
