/**
 * `secrets run`: a program with secrets in its environment.
 *
 * @module
 */

import { type Command, EXIT, Failure, UsageError } from "./command.ts";
import { readSecrets, toEnvironment } from "./environment.ts";
import { warn } from "./io.ts";
import { maskable, MIN_REDACTED_LENGTH, redactStream } from "./redact.ts";
import { forwardSignals, signalNumber } from "./signals.ts";

function spawn(
  program: string,
  args: string[],
  env: Record<string, string>,
  redact: boolean,
): Deno.ChildProcess | number {
  try {
    return new Deno.Command(program, {
      args,
      env,
      stdin: "inherit",
      stdout: redact ? "piped" : "inherit",
      stderr: redact ? "piped" : "inherit",
    }).spawn();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      warn(`program not found: ${program}`);
      return EXIT.notFound;
    }
    if (error instanceof Deno.errors.PermissionDenied) {
      warn(`program not executable: ${program}`);
      return EXIT.notExecutable;
    }
    throw error;
  }
}

/** Copies redacted output; a reader that went away (`| head`) ends it. */
async function pipeRedacted(
  from: ReadableStream<Uint8Array>,
  to: WritableStream<Uint8Array>,
  values: string[],
): Promise<void> {
  try {
    await from
      .pipeThrough(new TextDecoderStream())
      .pipeThrough(redactStream(values))
      .pipeThrough(new TextEncoderStream())
      .pipeTo(to, { preventClose: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
  }
}

function atTerminal(): boolean {
  return [Deno.stdin, Deno.stdout, Deno.stderr].some((s) => s.isTerminal());
}

/** `run -- PROGRAM`: runs a program with the secrets as variables. */
export const run: Command = {
  usage: "run [--only PATTERN]... [--redact] -- PROGRAM [ARGS...]",
  summary:
    "run a program with secrets in its environment (openai.apiKey → OPENAI_API_KEY)",
  options: ["only", "redact"],
  operands: [0, 0],
  async run({ args, open }): Promise<number> {
    const [program, ...programArgs] = args.afterDashes;
    if (program === undefined) {
      throw new UsageError("run needs -- and a program");
    }
    const access = Deno.permissions.querySync({
      name: "run",
      command: program,
    });
    if (access.state !== "granted") {
      throw new Failure(
        `run needs --allow-run=${program} to start the program`,
      );
    }
    const only = args.values.only ?? [];
    let pairs: [string, string][];
    {
      // The vault is closed before the program starts: it may run for days.
      await using vault = await open();
      pairs = await readSecrets(vault, only);
    }
    const env = Object.fromEntries(toEnvironment(pairs, only.length > 0));
    const values = pairs.map(([, value]) => value);
    const redact = args.values.redact === true;
    if (redact && maskable(values).tooShort > 0) {
      warn(
        `--redact leaves ${
          maskable(values).tooShort
        } value(s) shorter than ${MIN_REDACTED_LENGTH} characters unmasked`,
      );
    }
    const child = spawn(program, programArgs, env, redact);
    if (typeof child === "number") return child;
    const stopForwarding = forwardSignals(child, atTerminal());
    const piping = redact
      ? [
        pipeRedacted(child.stdout, Deno.stdout.writable, values),
        pipeRedacted(child.stderr, Deno.stderr.writable, values),
      ]
      : [];
    const status = await child.status;
    await Promise.all(piping);
    stopForwarding();
    if (status.signal) return EXIT.signalBase + signalNumber(status.signal);
    return status.code;
  },
};
