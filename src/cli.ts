/**
 * `secrets`: manage a vault from the command line, and run programs with
 * its secrets in their environment, without a `.env` file on disk.
 *
 *     deno install -g -n secrets --allow-read=$HOME/.secrets-engine \
 *       --allow-write=$HOME/.secrets-engine --allow-env=HOME,XDG_CONFIG_HOME \
 *       --allow-run jsr:@scope/secrets/cli
 *     secrets set openai.apiKey            # prompts, without echo
 *     secrets run -- node server.js        # OPENAI_API_KEY is set for it
 *
 * Exit codes: 0 success; 1 not found or failed; 2 usage error; `run`
 * returns the program's own code (128 + the signal number when a signal
 * ended it, 127 when the program does not exist).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { formatDotenv, parseDotenv } from "./dotenv.ts";
import { SecretsEngine } from "./engine.ts";
import { toEnvNames } from "./env_name.ts";
import { SecretsEngineError } from "./errors.ts";
import { redactStream } from "./redact.ts";
import { validateName, validateValue } from "./validate.ts";

const OK = 0;
const FAILED = 1;
const USAGE = 2;
const NOT_FOUND_PROGRAM = 127;
const SIGNAL_BASE = 128;
const PROGRESS_THRESHOLD = 1000;

const encoder = new TextEncoder();

/** A usage mistake: printed with a pointer to `--help`, exit code 2. */
class UsageError extends Error {}

/** A failure already explained to the user: exit code 1. */
class Failure extends Error {}

const GLOBAL_OPTIONS = {
  path: { type: "string" },
  xdg: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const COMMAND_OPTIONS = {
  value: { type: "string" },
  prefix: { type: "string" },
  format: { type: "string" },
  force: { type: "boolean" },
  only: { type: "string" },
  redact: { type: "boolean" },
  yes: { type: "boolean", short: "y" },
} as const;

type OptionName = keyof typeof COMMAND_OPTIONS;

interface Command {
  usage: string;
  summary: string;
  options: readonly OptionName[];
  operands: [min: number, max: number];
  run(engine: () => Promise<SecretsEngine>, args: Parsed): Promise<number>;
}

interface Parsed {
  operands: string[];
  afterDashes: string[];
  values: Partial<Record<OptionName, string | boolean>>;
}

function write(text: string): void {
  const bytes = encoder.encode(text);
  for (let done = 0; done < bytes.length;) {
    done += Deno.stdout.writeSync(bytes.subarray(done));
  }
}

function warn(text: string): void {
  Deno.stderr.writeSync(encoder.encode(`secrets: ${text}\n`));
}

async function readStdin(): Promise<string> {
  return await new Response(Deno.stdin.readable).text();
}

/** Drops the last UTF-8 character: its continuation bytes, then its lead. */
function eraseLastCharacter(bytes: number[]): void {
  while (bytes.length > 0 && (bytes[bytes.length - 1] & 0xc0) === 0x80) {
    bytes.pop();
  }
  bytes.pop();
}

/** Reads a line from the terminal without echoing it. */
function promptHidden(question: string): string {
  // Raw mode first: input typed or pasted the moment the question shows
  // must not be echoed.
  Deno.stdin.setRaw(true);
  Deno.stderr.writeSync(encoder.encode(question));
  const bytes: number[] = [];
  const buffer = new Uint8Array(1);
  try {
    for (;;) {
      if (Deno.stdin.readSync(buffer) === null) break;
      const byte = buffer[0];
      if (byte === 0x0d || byte === 0x0a) break;
      if (byte === 0x03) throw new Failure("cancelled");
      if (byte === 0x7f || byte === 0x08) eraseLastCharacter(bytes);
      else bytes.push(byte);
    }
  } finally {
    Deno.stdin.setRaw(false);
    Deno.stderr.writeSync(encoder.encode("\n"));
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

async function readValue(name: string, args: Parsed): Promise<string> {
  if (typeof args.values.value === "string") {
    warn(
      "--value leaves the secret in your shell history; prefer a pipe or the prompt",
    );
    return args.values.value;
  }
  if (!Deno.stdin.isTerminal()) {
    return (await readStdin()).replace(/\r?\n$/, "");
  }
  return promptHidden(`Value for ${name}: `);
}

function keyLabel(count: number): string {
  return `${count} secret${count === 1 ? "" : "s"}`;
}

async function importFile(
  engine: () => Promise<SecretsEngine>,
  args: Parsed,
): Promise<number> {
  const [file] = args.operands;
  const prefix = typeof args.values.prefix === "string"
    ? args.values.prefix
    : "";
  const { entries, errors } = parseDotenv(await Deno.readTextFile(file));
  const problems = errors.map(({ line, message }) =>
    `${file}:${line}: ${message}`
  );
  for (const entry of entries) {
    try {
      validateName(prefix + entry.key);
      validateValue(entry.value);
    } catch (error) {
      if (!(error instanceof SecretsEngineError)) throw error;
      problems.push(`${file}:${entry.line}: ${error.message}`);
    }
  }
  if (problems.length > 0) {
    for (const problem of problems) warn(problem);
    throw new Failure(`nothing imported: ${problems.length} bad line(s)`);
  }
  if (entries.length >= PROGRESS_THRESHOLD) {
    warn(
      `importing ${keyLabel(entries.length)} from ${file} in one transaction…`,
    );
  }
  await using vault = await engine();
  await vault.setMany(
    entries.map(({ key, value }) => [prefix + key, value] as const),
  );
  warn(`imported ${keyLabel(entries.length)}`);
  return OK;
}

async function readSecrets(
  vault: SecretsEngine,
  pattern: string | undefined,
): Promise<[string, string][]> {
  const pairs: [string, string][] = [];
  for (const name of await vault.keys(pattern)) {
    const value = await vault.get(name);
    if (value !== null) pairs.push([name, value]);
  }
  return pairs;
}

async function exportSecrets(
  engine: () => Promise<SecretsEngine>,
  args: Parsed,
): Promise<number> {
  const format = args.values.format ?? "env";
  if (format !== "env" && format !== "json") {
    throw new UsageError("--format is env or json");
  }
  if (Deno.stdout.isTerminal() && !args.values.force) {
    throw new Failure(
      "refusing to print secrets to a terminal: redirect or pipe the output, or pass --force",
    );
  }
  await using vault = await engine();
  const pairs = await readSecrets(vault, args.operands[0]);
  if (format === "json") {
    write(`${JSON.stringify(Object.fromEntries(pairs), null, 2)}\n`);
  } else {
    const envNames = toEnvNames(pairs.map(([name]) => name));
    write(
      formatDotenv(
        pairs.map(([name, value]) => [envNames.get(name) ?? name, value]),
      ),
    );
  }
  return OK;
}

const FORWARDED_SIGNALS: readonly Deno.Signal[] = [
  "SIGINT",
  "SIGTERM",
  "SIGHUP",
];
const SIGNAL_NUMBERS: Partial<Record<Deno.Signal, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGKILL: 9,
  SIGTERM: 15,
};

async function runProgram(
  engine: () => Promise<SecretsEngine>,
  args: Parsed,
): Promise<number> {
  const [program, ...programArgs] = args.afterDashes;
  if (program === undefined) throw new UsageError("run needs -- and a program");
  if (
    Deno.permissions.querySync({ name: "run", command: program }).state !==
      "granted"
  ) {
    throw new Failure(`run needs --allow-run=${program} to start the program`);
  }
  const only = typeof args.values.only === "string"
    ? args.values.only
    : undefined;
  let pairs: [string, string][];
  {
    // The vault is closed before the program starts: it may run for days.
    await using vault = await engine();
    pairs = await readSecrets(vault, only);
  }
  const envNames = toEnvNames(pairs.map(([name]) => name));
  const env = Object.fromEntries(
    pairs.map(([name, value]) => [envNames.get(name) ?? name, value]),
  );
  const redact = args.values.redact === true;
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(program, {
      args: programArgs,
      env,
      stdin: "inherit",
      stdout: redact ? "piped" : "inherit",
      stderr: redact ? "piped" : "inherit",
    }).spawn();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      warn(`program not found: ${program}`);
      return NOT_FOUND_PROGRAM;
    }
    throw error;
  }
  const forward = FORWARDED_SIGNALS.map((signal) => {
    const handler = () => child.kill(signal);
    if (Deno.build.os !== "windows") Deno.addSignalListener(signal, handler);
    return () => {
      if (Deno.build.os !== "windows") {
        Deno.removeSignalListener(signal, handler);
      }
    };
  });
  const piping = redact
    ? [
      pipeRedacted(child.stdout, Deno.stdout.writable, pairs),
      pipeRedacted(child.stderr, Deno.stderr.writable, pairs),
    ]
    : [];
  const status = await child.status;
  await Promise.all(piping);
  for (const stop of forward) stop();
  if (status.signal) return SIGNAL_BASE + (SIGNAL_NUMBERS[status.signal] ?? 0);
  return status.code;
}

function pipeRedacted(
  from: ReadableStream<Uint8Array>,
  to: WritableStream<Uint8Array>,
  pairs: [string, string][],
): Promise<void> {
  return from
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(redactStream(pairs.map(([, value]) => value)))
    .pipeThrough(new TextEncoderStream())
    .pipeTo(to, { preventClose: true });
}

async function destroyVault(
  engine: () => Promise<SecretsEngine>,
  args: Parsed,
): Promise<number> {
  if (!args.values.yes && !Deno.stdin.isTerminal()) {
    throw new UsageError(
      "destroy asks for confirmation: pass --yes when not at a terminal",
    );
  }
  const vault = await engine();
  if (!args.values.yes) {
    const answer = prompt(
      `Destroy ${
        keyLabel(vault.size)
      } in ${vault.storagePath}? Type "yes" to confirm:`,
    );
    if (answer !== "yes") {
      await vault.close();
      throw new Failure("not destroyed");
    }
  }
  await vault.destroy();
  warn("destroyed");
  return OK;
}

const COMMANDS: Record<string, Command> = {
  set: {
    usage: "set NAME [--value VALUE]",
    summary:
      "store a secret; the value comes from stdin when piped, else a prompt without echo",
    options: ["value"],
    operands: [1, 1],
    async run(engine, args): Promise<number> {
      const [name] = args.operands;
      validateName(name);
      const value = await readValue(name, args);
      await using vault = await engine();
      await vault.set(name, value);
      return OK;
    },
  },
  get: {
    usage: "get NAME",
    summary: "print a secret's value (exit 1 when there is none)",
    options: [],
    operands: [1, 1],
    async run(engine, args): Promise<number> {
      await using vault = await engine();
      const value = await vault.get(args.operands[0]);
      if (value === null) throw new Failure("no secret with that name");
      write(Deno.stdout.isTerminal() ? `${value}\n` : value);
      return OK;
    },
  },
  list: {
    usage: "list [PATTERN]",
    summary: "print the names (never the values), optionally matching a glob",
    options: [],
    operands: [0, 1],
    async run(engine, args): Promise<number> {
      await using vault = await engine();
      const names = await vault.keys(args.operands[0]);
      if (names.length > 0) write(`${names.join("\n")}\n`);
      return OK;
    },
  },
  has: {
    usage: "has NAME",
    summary: "exit 0 when the secret exists, 1 when not; prints nothing",
    options: [],
    operands: [1, 1],
    async run(engine, args): Promise<number> {
      await using vault = await engine();
      return await vault.has(args.operands[0]) ? OK : FAILED;
    },
  },
  delete: {
    usage: "delete NAME",
    summary: "remove a secret (exit 1 when there was none)",
    options: [],
    operands: [1, 1],
    async run(engine, args): Promise<number> {
      await using vault = await engine();
      if (!await vault.delete(args.operands[0])) {
        throw new Failure("no secret with that name");
      }
      return OK;
    },
  },
  import: {
    usage: "import FILE [--prefix PREFIX]",
    summary:
      "import a dotenv file in one transaction: all of it or, on any bad line, none",
    options: ["prefix"],
    operands: [1, 1],
    run: importFile,
  },
  export: {
    usage: "export [PATTERN] [--format env|json] [--force]",
    summary:
      "print secrets as dotenv (env names) or JSON; refuses a terminal without --force",
    options: ["format", "force"],
    operands: [0, 1],
    run: exportSecrets,
  },
  run: {
    usage: "run [--only PATTERN] [--redact] -- PROGRAM [ARGS...]",
    summary:
      "run a program with the secrets in its environment (openai.apiKey → OPENAI_API_KEY)",
    options: ["only", "redact"],
    operands: [0, 0],
    run: runProgram,
  },
  destroy: {
    usage: "destroy [--yes]",
    summary: "delete the vault and every secret in it, after confirmation",
    options: ["yes"],
    operands: [0, 0],
    run: destroyVault,
  },
  info: {
    usage: "info",
    summary:
      "show the vault's path, size, binding factors, format and seal state",
    options: [],
    operands: [0, 0],
    async run(engine): Promise<number> {
      await using vault = await engine();
      const info = await vault.info();
      write(
        [
          `path:    ${info.path}`,
          `entries: ${info.size}`,
          `bound to: ${
            info.factors.length ? info.factors.join(", ") : "keyfile only"
          }`,
          `format:  ${info.format}`,
          `seal:    ${
            info.openedSealed
              ? "intact (opened on the fast path)"
              : "rebuilt (verified in full on this open)"
          }`,
        ].join("\n") + "\n",
      );
      return OK;
    },
  },
};

const GLOBAL_HELP = `Usage: secrets [--path DIR | --xdg] COMMAND [ARGS]

Commands:
${
  Object.values(COMMANDS).map((c) => `  ${c.usage.padEnd(52)} ${c.summary}`)
    .join("\n")
}

Options:
  --path DIR   the vault directory (needs no --allow-env)
  --xdg        use $XDG_CONFIG_HOME/secrets-engine
  -h, --help   show help; "secrets COMMAND --help" for one command

Exit codes: 0 ok, 1 not found or failed, 2 usage; run returns the program's
own code (128+N for signal N, 127 when the program is missing).
`;

function commandHelp(command: Command): string {
  return `Usage: secrets [--path DIR | --xdg] ${command.usage}\n\n${command.summary}.\n`;
}

function parse(
  argv: string[],
): {
  name: string | undefined;
  help: boolean;
  path?: string;
  xdg: boolean;
  parsed: Parsed;
} {
  const { values, positionals, tokens } = parseArgs({
    args: argv,
    options: { ...GLOBAL_OPTIONS, ...COMMAND_OPTIONS },
    allowPositionals: true,
    strict: true,
    tokens: true,
  });
  const dashes = tokens.findIndex((token) =>
    token.kind === "option-terminator"
  );
  const before = dashes < 0 ? positionals : tokens.slice(0, dashes)
    .filter((token) => token.kind === "positional").map((token) => token.value);
  const afterDashes = dashes < 0 ? [] : positionals.slice(before.length);
  const [name, ...operands] = before;
  const commandValues: Parsed["values"] = {};
  for (const key of Object.keys(COMMAND_OPTIONS) as OptionName[]) {
    if (values[key] !== undefined) commandValues[key] = values[key];
  }
  return {
    name,
    help: values.help === true,
    path: values.path,
    xdg: values.xdg === true,
    parsed: { operands, afterDashes, values: commandValues },
  };
}

function checkShape(name: string, command: Command, parsed: Parsed): void {
  for (const option of Object.keys(parsed.values) as OptionName[]) {
    if (!command.options.includes(option)) {
      throw new UsageError(`${name} takes no --${option}`);
    }
  }
  const [min, max] = command.operands;
  if (parsed.operands.length < min || parsed.operands.length > max) {
    throw new UsageError(`usage: secrets ${command.usage}`);
  }
  if (name !== "run" && parsed.afterDashes.length > 0) {
    throw new UsageError(`${name} takes nothing after --`);
  }
}

/**
 * Runs the command line `argv` (without the program name) and resolves to
 * the exit code. Output goes to stdout and stderr; secret values appear only
 * where a command prints them on purpose (`get`, `export`).
 *
 * @example
 * ```ts
 * import { main } from "./cli.ts";
 * const code = await main(["--help"]);
 * console.assert(code === 0);
 * ```
 */
export async function main(argv: string[]): Promise<number> {
  try {
    const { name, help, path, xdg, parsed } = parse(argv);
    if (name === undefined) {
      (help ? write : warn)(GLOBAL_HELP);
      return help ? OK : USAGE;
    }
    const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (command === undefined) throw new UsageError(`unknown command: ${name}`);
    if (help) {
      write(commandHelp(command));
      return OK;
    }
    if (path !== undefined && xdg) {
      throw new UsageError("--path and --xdg exclude each other");
    }
    checkShape(name, command, parsed);
    const engine = () =>
      SecretsEngine.open(
        path !== undefined ? { path } : xdg ? { location: "xdg" } : {},
      );
    return await command.run(engine, parsed);
  } catch (error) {
    if (error instanceof UsageError || isParseError(error)) {
      warn(`${(error as Error).message} (see secrets --help)`);
      return USAGE;
    }
    if (error instanceof Failure || error instanceof SecretsEngineError) {
      warn(error.message);
      return FAILED;
    }
    if (error instanceof Deno.errors.NotFound) {
      warn(error.message);
      return FAILED;
    }
    throw error;
  }
}

function isParseError(error: unknown): boolean {
  return error instanceof TypeError && "code" in error &&
    String(error.code).startsWith("ERR_PARSE_ARGS");
}

if (import.meta.main) Deno.exit(await main(Deno.args));
