/**
 * Running the `secrets` CLI: in-process through `main(argv, streams)`, with
 * the test's streams, or as a user does, a real `deno run` of the entry
 * point with read and write on the vault and the flags a test adds (for
 * what only a process shows: permissions, exit codes, signals, terminals).
 *
 * @module
 */

import { canSpawn, type ChildResult, runDeno, until } from "../_helpers.ts";
import { main } from "../../src/cli/main.ts";
import type { Streams } from "../../src/cli/streams.ts";

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

/** A pipe's end that is not a terminal, as a test's streams have. */
const NOT_A_TERMINAL = { isTerminal: () => false } as const;

/** An output stream that keeps what is written to it. */
function capture(): Streams["stdout"] & { text(): string } {
  const chunks: Uint8Array[] = [];
  return {
    ...NOT_A_TERMINAL,
    writeSync(bytes: Uint8Array): number {
      chunks.push(bytes.slice());
      return bytes.length;
    },
    writable: new WritableStream({
      write: (chunk) => void chunks.push(chunk.slice()),
    }),
    text: () => new TextDecoder().decode(concat(chunks)),
  };
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.length;
  }
  return all;
}

/** A standard input holding `input`, read by `read` or `readable` alike. */
function pipedInput(input: Uint8Array): Streams["stdin"] {
  let at = 0;
  const read = (into: Uint8Array): Promise<number | null> => {
    if (at >= input.length) return Promise.resolve(null);
    const n = Math.min(into.length, input.length - at);
    into.set(input.subarray(at, at + n));
    at += n;
    return Promise.resolve(n);
  };
  return {
    ...NOT_A_TERMINAL,
    read,
    readable: new ReadableStream({
      async pull(controller): Promise<void> {
        const chunk = new Uint8Array(64 * 1024);
        const n = await read(chunk);
        if (n === null) controller.close();
        else controller.enqueue(chunk.subarray(0, n));
      },
    }),
    setRaw: () => {},
  };
}

/**
 * Runs `secrets ...argv` in this process, `stdin` piped in (none: empty),
 * and returns what it printed and its exit code.
 */
export async function cliMain(
  argv: string[],
  stdin: string | Uint8Array = new Uint8Array(),
): Promise<ChildResult> {
  const stdout = capture();
  const stderr = capture();
  const input = typeof stdin === "string"
    ? new TextEncoder().encode(stdin)
    : stdin;
  const code = await main(argv, { stdin: pipedInput(input), stdout, stderr });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/**
 * Runs `secrets --path vault ...args`: in this process, or with `flags`, as
 * a `deno run` with the vault's read/write flags and those.
 */
export function cli(
  vault: string,
  args: string[],
  options: { stdin?: string | Uint8Array; flags?: string[] } = {},
): Promise<ChildResult> {
  if (options.flags === undefined) {
    return cliMain(["--path", vault, ...args], options.stdin);
  }
  return cliSpawned(vault, args, options);
}

/** Runs `secrets --path vault ...args` as a `deno run`, as a user does. */
export function cliSpawned(
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

/**
 * Waits until the secret `name` of `vault` has expired (`has` says it is
 * absent), polling: a wait for the clock that no load can cut short or
 * make flaky. Throws when it has not expired in 8 seconds.
 */
export async function untilExpired(vault: string, name: string): Promise<void> {
  const gone = await until(async () =>
    (await cli(vault, ["has", name])).code === 1
  );
  if (!gone) throw new Error(`${name} did not expire`);
}
