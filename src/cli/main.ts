/**
 * `secrets`: manage a vault from the command line, and run programs with
 * its secrets in their environment, without a `.env` file on disk.
 *
 *     secrets set openai.apiKey            # prompts, without echo
 *     secrets run -- node server.js        # OPENAI_API_KEY is set for it
 *
 * Exit codes: 0 success; 1 not found or failed; 2 usage error. `run`
 * returns the program's own code, 128 + N when signal N ended it, 126 when
 * the program is not executable and 127 when it does not exist. No input
 * and no missing permission ever prints a stack trace; Deno never prompts.
 *
 * @example Print the help
 * ```ts
 * import { main } from "@scope/secrets/cli";
 * import assert from "node:assert/strict";
 * const code = await main(["--help"]);
 * assert.equal(code, 0);
 * ```
 *
 * @module
 */

import {
  KeyMismatchError,
  type OpenOptions,
  SecretsEngine,
} from "../../mod.ts";
import config from "../../deno.json" with { type: "json" };
import { SecretsEngineError } from "../errors.ts";
import type { Command, Context, OptionName, Parsed } from "./command.ts";
import { EXIT, Failure, UsageError } from "./failures.ts";
import { backup, keygen, restore } from "./commands/backup.ts";
import { get, has, list, remove, set } from "./commands/entries.ts";
import { inject, read } from "./commands/inject.ts";
import { Interrupted, osFailure } from "./io.ts";
import {
  commandIo,
  type Io,
  PROCESS_STREAMS,
  ReaderGone,
  type Streams,
} from "./streams.ts";
import { signalNumber } from "./running/signals.ts";
import { didYouMean } from "./terminal/suggest.ts";
import { asksVersion, parse } from "./command_line.ts";
import { cliMessage } from "./wording.ts";
import { run } from "./commands/run.ts";
import { init, rebind, rotate, slots } from "./commands/slots.ts";
import {
  defaultIdentityFile,
  identityUnlock,
  readIdentity,
  readUnlock,
  UNLOCK_OPTIONS,
} from "./options/unlock.ts";
import { members } from "./commands/members.ts";
import { remote } from "./commands/remote.ts";
import { redact } from "./commands/redact.ts";
import {
  clone,
  mergeDriver,
  pull,
  push,
  resolve,
  sync,
} from "./commands/sync.ts";
import { missingVaultFlags } from "./permissions.ts";
import { exportSecrets, importFile } from "./commands/transfer.ts";
import { destroy, info, recover } from "./commands/vault.ts";
import {
  history,
  historyLimit,
  purgeExpired,
  revert,
} from "./commands/versions.ts";
import { meta, status } from "./commands/status.ts";
import { scan } from "./commands/scan.ts";

export type { Streams } from "./streams.ts";

/** What every open but a recovery needs on the vault. */
const READ_WRITE = ["read", "write"] as const;

/** Every command: adding one is a file and a line here. */
const COMMANDS: Record<string, Command> = {
  init,
  set,
  get,
  list,
  has,
  delete: remove,
  history,
  revert,
  "history-limit": historyLimit,
  "purge-expired": purgeExpired,
  meta,
  status,
  scan,
  import: importFile,
  export: exportSecrets,
  run,
  info,
  destroy,
  recover,
  inject,
  read,
  backup,
  restore,
  keygen,
  slots,
  members,
  remote,
  sync,
  pull,
  push,
  clone,
  resolve,
  "merge-driver": mergeDriver,
  redact,
  rebind,
  rotate,
};

const GLOBAL_HELP = `Usage: secrets [--path DIR | --xdg] COMMAND [ARGS]
       secrets help [COMMAND]
       secrets --version

Commands:
${
  Object.values(COMMANDS).map((c) => `  ${c.usage}\n      ${c.summary}`)
    .join("\n")
}

Options:
  --path DIR   the vault directory (needs no --allow-env)
  --xdg        use $XDG_CONFIG_HOME/secrets-engine
  -h, --help   show help; "secrets COMMAND --help" for one command

Unlocking (the machine's keyfile without these):
  --passphrase          ask for a passphrase slot's passphrase, no echo
  --passphrase-file F   read it from the first line of F (- for stdin)
  --key-file F          read a key slot's key from the first line of F;
                        - reads stdin's first line and leaves the rest
  --key-env NAME        read it from $NAME (--allow-env=NAME); removed
                        before run starts a program, but still readable by
                        your user's processes in /proc/PID/environ: for CI,
                        prefer printf '%s\\n' "$KEY" |
                        env -u KEY secrets --key-file - …
  --identity F          a member's own key: an age identity file or an
                        OpenSSH private key (- for stdin); its passphrase,
                        if it has one, is asked at a terminal. Without an
                        unlock option, SECRETS_IDENTITY_FILE is tried when
                        no slot of this copy opens the vault

Patterns: * matches within one dot-separated segment, ** across segments,
? one character; "list '**'" lists everything. A name that starts with "-"
goes after "--": secrets get -- -name.

References: secrets://NAME in a file given to run --env-file, or in
{{ secrets://NAME }} in a template given to inject, names a secret; escape
%, spaces, { and } in NAME as %25, %20, %7B, %7D.

Only init, set, import and restore create a vault (and say so); every other
command on a path with no vault says so. Exit codes: 0 ok, 1 not found or failed, 2 usage; run returns
the program's own code (128+N for signal N, 126 not executable, 127 missing).
`;

/** The package's version, as deno.json gives it. */
const VERSION: string = config.version;

function findCommand(name: string): Command {
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    throw new UsageError(
      `unknown command: ${name}${didYouMean(name, Object.keys(COMMANDS))}`,
    );
  }
  return command;
}

function commandHelp(command: Command): string {
  const details = command.details ? `\n${command.details.trim()}\n` : "";
  return `Usage: secrets [--path DIR | --xdg] ${command.usage}\n\n${command.summary}.\n${details}`;
}

function checkShape(name: string, command: Command, args: Parsed): void {
  const accepted = command.noUnlock
    ? command.options
    : [...command.options, ...UNLOCK_OPTIONS];
  for (const option of Object.keys(args.values) as OptionName[]) {
    if (!accepted.includes(option)) {
      throw new UsageError(`${name} takes no --${option}`);
    }
  }
  const [min, max] = command.operands;
  if (args.operands.length > max && command.tooManyOperands !== undefined) {
    throw new UsageError(command.tooManyOperands);
  }
  if (args.operands.length < min || args.operands.length > max) {
    throw new UsageError(`usage: secrets ${command.usage}`);
  }
  if (command.takesNames && args.operands.some((operand) => operand === "")) {
    throw new UsageError("a secret name cannot be empty");
  }
}

/**
 * Prints what went wrong, never a stack trace, and gives the exit code: a
 * failure's is `failureCode` (the command's own, where it has one).
 */
function report(
  io: Io,
  error: unknown,
  failureCode: number = EXIT.failed,
): number {
  if (error instanceof UsageError) {
    io.warn(`${error.message} (see secrets --help)`);
    return EXIT.usage;
  }
  if (error instanceof ReaderGone) return EXIT.ok;
  if (error instanceof Interrupted) {
    return EXIT.signalBase + signalNumber(error.signal);
  }
  if (error instanceof SecretsEngineError) {
    io.warn(cliMessage(error));
    return failureCode;
  }
  if (error instanceof Failure) {
    io.warn(error.message);
    return failureCode;
  }
  const failed = osFailure(error);
  if (failed !== null) {
    io.warn(failed.message);
    return failureCode;
  }
  const name = error instanceof Error ? error.name : "error";
  const message = error instanceof Error ? error.message : String(error);
  io.warn(`unexpected ${name}: ${message}`);
  return failureCode;
}

/**
 * Runs the command line `argv` (without the program name) and resolves to
 * the exit code. Output goes to `streams` (the process's standard streams
 * by default); secret values appear only where a command prints them on
 * purpose (`get`, `export`, `recover`).
 *
 * @example An unknown command is a usage error
 * ```ts
 * import { main } from "@scope/secrets/cli";
 * import assert from "node:assert/strict";
 * assert.equal(await main(["frobnicate"]), 2);
 * ```
 */
export async function main(
  argv: string[],
  streams: Streams = PROCESS_STREAMS,
): Promise<number> {
  const io = commandIo(streams);
  let failureCode: number = EXIT.failed;
  try {
    if (asksVersion(argv)) {
      io.write(`secrets ${VERSION}\n`);
      return EXIT.ok;
    }
    const { name, help, path, xdg, args } = parse(argv);
    if (name === undefined) {
      (help ? io.write : io.warn)(GLOBAL_HELP);
      return help ? EXIT.ok : EXIT.usage;
    }
    if (name === "help") {
      const [topic] = args.operands;
      io.write(
        topic === undefined ? GLOBAL_HELP : commandHelp(findCommand(topic)),
      );
      return EXIT.ok;
    }
    const command = findCommand(name);
    failureCode = command.failureCode ?? EXIT.failed;
    if (help) {
      io.write(commandHelp(command));
      return EXIT.ok;
    }
    if (path !== undefined && xdg) {
      throw new UsageError("--path and --xdg exclude each other");
    }
    checkShape(name, command, args);
    const location = path !== undefined
      ? { path }
      : xdg
      ? { location: "xdg" as const }
      : {};
    const context: Context = {
      args,
      location,
      io,
      open: async (options = {}) => {
        const unlock = command.noUnlock ? undefined : await readUnlock(
          io,
          args.values,
          command.options.includes("identity"),
        );
        const access = options.recover ? ["read" as const] : READ_WRITE;
        const missing = missingVaultFlags(location, access);
        if (missing.length > 0) {
          throw new Failure(
            `the vault needs ${
              missing.join(" ")
            }: run with them all (the README's install line grants them)`,
          );
        }
        const create = unlock === undefined && options.create === true;
        const vault = await openWithFallback(io, {
          ...location,
          ...options,
          create,
          ...(unlock && { unlock }),
        });
        // A mistyped --path must not make a vault without a word.
        if (vault.created) {
          io.warn(`created a new vault at ${vault.storagePath}`);
        }
        return vault;
      },
    };
    return await command.run(context);
  } catch (error) {
    return report(io, error, failureCode);
  }
}

/**
 * Opens the vault; where no unlock option was given and no slot of this
 * copy opens it, through the member identity `SECRETS_IDENTITY_FILE`
 * names, when it is set.
 */
async function openWithFallback(
  io: Io,
  options: OpenOptions,
): Promise<SecretsEngine> {
  try {
    return await SecretsEngine.open(options);
  } catch (error) {
    if (!(error instanceof KeyMismatchError) || options.unlock) throw error;
    const path = defaultIdentityFile();
    if (path === undefined) throw error;
    const unlock = await identityUnlock(io, await readIdentity(io, path), path);
    return await SecretsEngine.open({ ...options, unlock });
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
