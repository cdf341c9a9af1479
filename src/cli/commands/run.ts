/**
 * `secrets run`: a program with secrets in its environment.
 *
 * @module
 */

import type { Command, Context, Parsed } from "../command.ts";
import { Failure, UsageError } from "../failures.ts";
import type { SecretsEngine } from "../../../mod.ts";
import { isLiveEntry, selectEntries } from "../../rules/document.ts";
import { decryptionKey, loadAge } from "../options/age_keys.ts";
import { readEnvFiles, referencedNames } from "../environment/env_files.ts";
import {
  readSecrets,
  resolveNames,
  textPairs,
  toEnvironment,
  type WhenNoneMatch,
} from "../environment/environment.ts";
import { formatTime } from "../options/expiry_flags.ts";
import { readUserBytes } from "../io.ts";
import { signalNumber } from "../running/signals.ts";
import { superviseWatching, type WatchMode } from "../running/supervise.ts";
import {
  type Environment,
  exitCode,
  startProgram,
  supervisedLauncher,
} from "../running/program.ts";
import { debounceOf, watchVault } from "../running/watching.ts";
import { RUN_NEEDS_DASHES } from "../command_line.ts";

/**
 * Every Deno flag this run needs and was not given, found before anything
 * is read, so they are named at once rather than one per attempt.
 */
function missingFlags(args: Parsed, program: string): string[] {
  const denied = (descriptor: Deno.PermissionDescriptor) =>
    Deno.permissions.querySync(descriptor).state !== "granted";
  const flags: string[] = [];
  if (denied({ name: "run", command: program })) {
    flags.push(`--allow-run=${program}`);
  }
  const { from, pristine } = args.values;
  const files = [...args.values["env-file"] ?? [], ...from ? [from] : []];
  for (const path of files) {
    if (path !== "-" && denied({ name: "read", path })) {
      flags.push(`--allow-read=${path}`);
    }
  }
  const variables = [
    ...pristine ? ["PATH"] : [],
    args.values["identity-env"],
    args.values["key-env"],
  ];
  for (const variable of variables) {
    if (variable !== undefined && denied({ name: "env", variable })) {
      flags.push(`--allow-env=${variable}`);
    }
  }
  return flags;
}

/** Where notices of skipped secrets go: stderr, or nowhere with --quiet. */
function notices({ args, io }: Context): (notice: string) => void {
  return args.values.quiet ? () => {} : io.warn;
}

/** How far ahead `run` warns of an injected secret expiring or due. */
const ATTENTION_WINDOW_MS = 7 * 86_400_000;

/**
 * One notice naming the injected secrets that are expiring within a week
 * or due for rotation: `run` never blocks on them.
 */
async function noticeAttention(
  vault: SecretsEngine,
  injected: ReadonlySet<string>,
  notify: (notice: string) => void,
): Promise<void> {
  const listed = (await vault.status({ within: ATTENTION_WINDOW_MS }))
    .filter(({ name }) => injected.has(name));
  if (listed.length === 0) return;
  const named = listed.map(({ name, state, date }) =>
    `${name} (${state} ${formatTime(date)})`
  );
  notify(`${named.join(", ")}: see secrets status`);
}

/**
 * The vault's secrets (or those `--only` selects) as variables; on a
 * restart under `--watch` (`whenNone` a function), a selection that no
 * longer matches is a warning, as a deleted secret is without `--only`.
 */
async function vaultEnvironment(
  context: Context,
  whenNone: WhenNoneMatch,
): Promise<Environment> {
  const { args, open } = context;
  const only = args.values.only ?? [];
  const tags = args.values["only-tag"] ?? [];
  // The vault is closed before the program starts: it may run for days.
  await using vault = await open();
  const notify = notices(context);
  const pairs = await readSecrets(
    vault,
    only,
    "environment",
    notify,
    tags,
    whenNone,
  );
  await noticeAttention(vault, new Set(pairs.map(([name]) => name)), notify);
  const explicit = only.length > 0 || tags.length > 0;
  return {
    env: Object.fromEntries(toEnvironment(pairs, explicit, notify)),
    secrets: pairs.map(([, value]) => value),
    names: pairs.map(([name]) => name),
  };
}

/** The variables of `--env-file` files, their references resolved. */
async function fileEnvironment(
  files: string[],
  { open, io }: Context,
): Promise<Environment> {
  const variables = await readEnvFiles(io, files);
  const names = referencedNames(variables);
  let values = new Map<string, string>();
  if (names.length > 0) {
    await using vault = await open();
    values = await resolveNames(vault, names, "environment");
  }
  const env: Record<string, string> = {};
  for (const [key, { value, reference }] of variables) {
    env[key] = reference === null ? value : values.get(reference) ?? "";
  }
  return { env, secrets: [...values.values()], names };
}

/**
 * The secrets of an age backup (`--from`), or those `--only` selects: the
 * CI model, with no vault at all.
 */
async function backupEnvironment(
  file: string,
  context: Context,
): Promise<Environment> {
  const { args, io } = context;
  const { decryptAge, MAX_AGE_FILE_BYTES } = await loadAge();
  const doc = await decryptAge(
    await readUserBytes(file, MAX_AGE_FILE_BYTES),
    await decryptionKey(io, args),
  );
  const only = args.values.only ?? [];
  const now = Date.now();
  const live = doc.entries.filter((entry) => isLiveEntry(entry, now));
  const selected = only.length === 0 ? live : only.flatMap((pattern) => {
    const found = selectEntries(live, pattern);
    if (found.length === 0) {
      throw new Failure(`the pattern ${pattern} matches no secret`);
    }
    return found;
  });
  const unique = new Map(selected.map((entry) => [entry.name, entry]));
  const pairs = textPairs(
    [...unique.values()].map(({ name, kind, value }) => ({
      name,
      text: kind === "text" ? value : null,
    })),
    only,
    "environment",
    notices(context),
  );
  return {
    env: Object.fromEntries(
      toEnvironment(pairs, only.length > 0, notices(context)),
    ),
    secrets: pairs.map(([, value]) => value),
    names: [],
  };
}

/** `run -- PROGRAM`: runs a program with the secrets as variables. */
export const run: Command = {
  usage:
    "run [--only PATTERN]... [--only-tag T]... [--env-file FILE]... [--watch [--restart | --signal SIG] [--debounce 1s]] [--from FILE.age (--identity F | --identity-env NAME | --age-passphrase)] [--pristine] [--redact] [--allow-exec-env [NAME]]... [--quiet] -- PROGRAM [ARGS...]",
  summary:
    "run a program with secrets in its environment (openai.apiKey → OPENAI_API_KEY)",
  details: `
Without --env-file, every secret (or those --only selects; it may repeat) is
added under its environment name. With --env-file, only the variables of the
dotenv file(s) are added: plain values as written, secrets://NAME references
resolved from the vault (a missing one is an error listing all of them, and
nothing runs). A later file overrides an earlier one, and a variable already
in the environment is overridden. --pristine gives the program those
variables and PATH only (needs --allow-env=PATH). --redact masks the secret
values (6 characters or more) in the program's output; it is off by default
because it pipes that output, so the program no longer sees a terminal.
--from FILE.age takes the secrets from an age backup instead of the vault
(no vault is needed: the CI model), opened with --identity FILE,
--identity-env NAME or --age-passphrase; --only selects among them. A variable
that can choose what the program runs (the families PATH, HOME, GIT_*, LD_*,
PYTHON*, NODE_*, LESS*, *_EDITOR, XDG_* and the others docs/security.md
lists) set from a secret or --env-file stops the run unless
--allow-exec-env NAME (repeatable) lets it through; --allow-exec-env alone
lets all through. The program is still found on your own PATH. --only-tag T adds the secrets
tagged T (see secrets meta). A secret injected that expires within a week or
is due for rotation is named in one line on stderr; run never blocks on it.
--quiet leaves out that line and the notices of secrets skipped on purpose
(bytes, or too large for a variable). --watch keeps the program supervised:
when a secret it received changes (only those: --only, --only-tag and
--env-file references limit them), it is restarted with the new environment
(SIGTERM, 5 s, then SIGKILL), or with --signal SIG sent SIG instead (for a
program that reloads itself); changes within --debounce (1s) make one. The
program exiting on its own ends the run with its code. On Linux the program
is started through setpriv --pdeathsig TERM (util-linux; --allow-run=setpriv),
so it ends when run --watch is killed, even by SIGKILL.
Exit code: the program's; 128+N for signal N, 126 not executable, 127 missing.`,
  options: [
    "only",
    "only-tag",
    "redact",
    "env-file",
    "pristine",
    "from",
    "age-passphrase",
    "identity",
    "identity-env",
    "allow-exec-env",
    "quiet",
    "watch",
    "restart",
    "signal",
    "debounce",
    "no-ci-mask",
  ],
  operands: [0, 0],
  tooManyOperands: RUN_NEEDS_DASHES,
  async run(context): Promise<number> {
    const { args, io } = context;
    const [program] = args.afterDashes;
    if (program === undefined) {
      throw new UsageError("run needs -- and a program");
    }
    const files = args.values["env-file"] ?? [];
    const from = args.values.from;
    for (const option of ["only", "only-tag"] as const) {
      if (files.length > 0 && args.values[option] !== undefined) {
        throw new UsageError(`--${option} and --env-file exclude each other`);
      }
    }
    if (from !== undefined && args.values["only-tag"] !== undefined) {
      throw new UsageError("--only-tag selects from the vault, not a backup");
    }
    if (files.length > 0 && from !== undefined) {
      throw new UsageError("--from and --env-file exclude each other");
    }
    const missing = missingFlags(args, program);
    if (missing.length > 0) {
      throw new Failure(`run needs ${missing.join(" ")}: nothing ran`);
    }
    const watch = watchMode(args);
    if (watch !== null && from !== undefined) {
      throw new UsageError("--watch watches the vault; --from reads a backup");
    }
    const prepare = (whenNone: WhenNoneMatch) =>
      from !== undefined
        ? backupEnvironment(from, context)
        : files.length > 0
        ? fileEnvironment(files, context)
        : vaultEnvironment(context, whenNone);
    if (watch === null) {
      const running = await startProgram(context, await prepare("fail"), []);
      return typeof running === "number"
        ? running
        : exitCode(await running.done);
    }
    // The watch starts before the secrets are read: a change made while the
    // program starts restarts it, never goes unseen.
    await using vault = await context.open();
    const changes = watchVault(vault);
    const first = await prepare("fail");
    const launcher = supervisedLauncher(io);
    const launch = async (environment?: Environment) =>
      startProgram(context, environment ?? await prepare(io.warn), launcher);
    const started = launch(first);
    return await superviseWatching({
      io,
      watch: changes,
      names: first.names,
      mode: watch,
      debounceMs: debounceOf(args),
      started: await started,
      launch: () => launch(),
      program,
    });
  },
};

/** `--watch` and what it does on a change, or `null` without it. */
function watchMode(args: Parsed): WatchMode | null {
  const { watch, restart, signal, debounce } = args.values;
  if (!watch) {
    if (restart || signal !== undefined || debounce !== undefined) {
      throw new UsageError(
        "--restart, --signal and --debounce go with --watch",
      );
    }
    return null;
  }
  if (restart && signal !== undefined) {
    throw new UsageError("--restart and --signal exclude each other");
  }
  if (signal === undefined) return { restart: true };
  const name = (signal.startsWith("SIG") ? signal : `SIG${signal}`)
    .toUpperCase() as Deno.Signal;
  if (signalNumber(name) === 0) {
    throw new UsageError(`--signal ${signal}: not a signal (SIGHUP, USR1…)`);
  }
  return { signal: name };
}
