/**
 * Starting the program `run` runs: found on the caller's PATH, with the
 * environment it is given (or, with `--pristine`, that and PATH alone),
 * the signals the CLI gets passed on, and with `--redact` its output
 * masked. Shared by `run` and `run --watch`.
 *
 * @module
 */

import type { Context } from "../command.ts";
import { EXIT, Failure } from "../failures.ts";
import { checkExecEnv, resolveProgram } from "../environment/exec_env.ts";
import { maskable, MIN_REDACTED_LENGTH, redactPair } from "./redact.ts";
import { maskForCi, maskLines } from "./ci_mask.ts";
import { forwardSignals, signalNumber } from "./signals.ts";
import type { Io } from "../streams.ts";

/** A program `run` started: the process, and when it is done. */
export interface Running {
  /** The child process. */
  child: Deno.ChildProcess;
  /** Its status once it exited and its output was passed on. */
  done: Promise<Deno.CommandStatus>;
}

/**
 * The child's environment, the secret values in it to redact, and the
 * names of the secrets they came from (what `--watch` watches).
 */
export interface Environment {
  /** The variables the program gets. */
  env: Record<string, string>;
  /** The secret values among them, to redact. */
  secrets: string[];
  /** The secrets' names, for `--watch`. */
  names: string[];
}

/**
 * What starts a supervised program on Linux: `setpriv` sets the kernel's
 * parent-death signal and then runs it, so the program gets SIGTERM when
 * `run --watch` dies, even by SIGKILL, instead of running on under PID 1
 * with old secrets. Deno has no `prctl` of its own.
 */
const PARENT_DEATH_SIGNAL = ["setpriv", "--pdeathsig", "TERM", "--"];

/**
 * The launcher `run --watch` starts its program through: the parent-death
 * signal where the platform has one and `setpriv` may run; otherwise none,
 * said once to `io`.
 */
export function supervisedLauncher(io: Io): string[] {
  if (Deno.build.os !== "linux") {
    io.warn(
      "this platform has no parent-death signal: if run --watch is killed with SIGKILL, the program keeps running",
    );
    return [];
  }
  const [setpriv] = PARENT_DEATH_SIGNAL;
  const access = Deno.permissions.querySync({ name: "run", command: setpriv });
  if (access.state === "granted") return PARENT_DEATH_SIGNAL;
  io.warn(
    `without --allow-run=${setpriv}, the program keeps running if run --watch is killed with SIGKILL`,
  );
  return [];
}

function spawn(
  io: Io,
  program: string,
  options: Deno.CommandOptions,
  launcher: readonly string[],
): Deno.ChildProcess | number {
  try {
    const [command, ...before] = [...launcher, program];
    const args = [...before, ...options.args ?? []];
    return new Deno.Command(command, { ...options, args }).spawn();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound && launcher.length > 0) {
      io.warn(
        `${
          launcher[0]
        } is not installed (util-linux): the program keeps running if run --watch is killed with SIGKILL`,
      );
      return spawn(io, program, options, []);
    }
    if (error instanceof Deno.errors.NotFound) {
      io.warn(`program not found: ${program}`);
      return EXIT.notFound;
    }
    if (error instanceof Deno.errors.PermissionDenied) {
      io.warn(`program not executable: ${program}`);
      return EXIT.notExecutable;
    }
    if (error instanceof Deno.errors.NotCapable) {
      throw new Failure(
        `run needs --allow-run=${program} to start the program (this secrets was installed with a narrower --allow-run)`,
      );
    }
    if ((error as { code?: unknown }).code === "E2BIG") {
      throw new Failure(
        "the secrets are more than a program's environment can hold in all: select fewer with --only, or inject the large ones into a file",
      );
    }
    throw error;
  }
}

/** Copies redacted output; a reader that went away (`| head`) ends it. */
async function pipeRedacted(
  from: ReadableStream<Uint8Array>,
  to: WritableStream<Uint8Array>,
  redactor: TransformStream<string, string>,
): Promise<void> {
  try {
    await from
      .pipeThrough(new TextDecoderStream())
      .pipeThrough(redactor)
      .pipeThrough(new TextEncoderStream())
      .pipeTo(to, { preventClose: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
  }
}

/**
 * Copies the program's stdout and stderr redacted as one log: a value
 * split between them is masked too; and each value's encoded forms, since
 * a program that prints a token base64-encoded leaks it as surely.
 */
function pipeBothRedacted(
  child: Deno.ChildProcess,
  streams: Io["streams"],
  values: string[],
): Promise<void>[] {
  const [out, err] = redactPair(maskLines(values));
  return [
    pipeRedacted(child.stdout, streams.stdout.writable, out),
    pipeRedacted(child.stderr, streams.stderr.writable, err),
  ];
}

function atTerminal({ stdin, stdout, stderr }: Io["streams"]): boolean {
  return [stdin, stdout, stderr].some((s) => s.isTerminal());
}

/** With `--pristine`, the variables and `PATH` alone. */
function pristine(env: Record<string, string>): Record<string, string> {
  const access = Deno.permissions.querySync({ name: "env", variable: "PATH" });
  if (access.state !== "granted") {
    throw new Failure("--pristine passes PATH on: run with --allow-env=PATH");
  }
  const path = Deno.env.get("PATH");
  return path === undefined ? env : { ...env, PATH: path };
}

/** The exit code of a finished program: its own, or 128 + N for signal N. */
export function exitCode(status: Deno.CommandStatus): number {
  if (status.signal) return EXIT.signalBase + signalNumber(status.signal);
  return status.code;
}

/**
 * Starts the program with `environment`, through `launcher` (see
 * {@linkcode supervisedLauncher}), its signals forwarded and, with
 * `--redact`, its output masked; resolves to the running program, or to
 * the exit code when it could not start.
 */
export function startProgram(
  context: Context,
  { env, secrets }: Environment,
  launcher: readonly string[] = [],
): Running | number {
  const { args, io } = context;
  const [program, ...programArgs] = args.afterDashes;
  maskForCi(io, secrets, args.values["no-ci-mask"]);
  const redact = args.values.redact === true;
  const { tooShort } = maskable(secrets);
  if (redact && tooShort > 0) {
    io.warn(
      `--redact leaves ${tooShort} value(s) shorter than ${MIN_REDACTED_LENGTH} characters unmasked`,
    );
  }
  checkExecEnv(env, args.values["allow-exec-env"] ?? [], io.warn);
  const clean = args.values.pristine === true;
  const childEnv = clean ? pristine(env) : env;
  const child = spawn(
    io,
    env.PATH === undefined ? program : resolveProgram(program, env.PATH),
    {
      args: programArgs,
      env: childEnv,
      clearEnv: clean,
      stdin: "inherit",
      stdout: redact ? "piped" : "inherit",
      stderr: redact ? "piped" : "inherit",
    },
    launcher,
  );
  if (typeof child === "number") return child;
  const stopForwarding = forwardSignals(child, atTerminal(io.streams));
  const piping = redact ? pipeBothRedacted(child, io.streams, secrets) : [];
  const done = child.status.then(async (status) => {
    await Promise.all(piping);
    stopForwarding();
    return status;
  });
  return { child, done };
}
