/**
 * Reading the command line: the global options, the options whose value
 * may be left out (`--git`, `--allow-exec-env`), the operands before and after `--`, and `node:util`'s
 * parse errors put in the CLI's words.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { COMMAND_OPTIONS, type OptionName, type Parsed } from "./command.ts";
import { didYouMean } from "./terminal/suggest.ts";
import { UsageError } from "./failures.ts";
import { ALLOW_ALL } from "./environment/exec_env.ts";

/** The options whose value may be left out, and the value they then take. */
const OPTIONAL_VALUES: Record<string, string> = {
  "--git": ".",
  "--allow-exec-env": ALLOW_ALL,
};

/** The options every command takes. */
const GLOBAL_OPTIONS = {
  path: { type: "string" },
  xdg: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/**
 * Whether the command line is `--version` (or `-V`) alone, after any
 * global options: `get --version N` is another option.
 */
export function asksVersion(argv: string[]): boolean {
  const rest = argv.filter((arg, i) =>
    arg !== "--xdg" && arg !== "--path" && argv[i - 1] !== "--path" &&
    !arg.startsWith("--path=")
  );
  return rest.length === 1 && (rest[0] === "--version" || rest[0] === "-V");
}

/** What `run` without `--` before its program is told. */
export const RUN_NEEDS_DASHES =
  "put -- before the program and its arguments: secrets run [OPTIONS] -- PROGRAM [ARGS...]";

/**
 * Whether `argv` is `run` with words after it but no `--`: the program's
 * own options (`python3 -c …`) would be read as the CLI's.
 */
function programWithoutDashes(argv: readonly string[]): boolean {
  const words = argv.filter((arg, i) =>
    !arg.startsWith("-") && argv[i - 1] !== "--path"
  );
  return words[0] === "run" && words.length > 1 && !argv.includes("--");
}

/** A command line, parsed. */
export interface CommandLine {
  name: string | undefined;
  help: boolean;
  path?: string;
  xdg: boolean;
  args: Parsed;
}

/**
 * `argv` with the value of each option whose value may be left out filled
 * in: `--git` alone is `--git=.`; `--git=REPO` and `--git REPO` stay
 * (`--allow-exec-env` alone is every name).
 */
function withOptionalValues(argv: readonly string[]): string[] {
  const end = argv.indexOf("--");
  return argv.flatMap((arg, i) => {
    const fallback = Object.hasOwn(OPTIONAL_VALUES, arg)
      ? OPTIONAL_VALUES[arg]
      : undefined;
    const next = argv[i + 1];
    const bare = next === undefined || next.startsWith("-") || i + 1 === end;
    return fallback !== undefined && (end < 0 || i < end) && bare
      ? [`${arg}=${fallback}`]
      : [arg];
  });
}

/**
 * Reads the command line `argv`; a wrong option is a
 * {@linkcode UsageError} in the CLI's words.
 */
export function parse(argv: string[]): CommandLine {
  const args = withOptionalValues(argv);
  checkOptions(args, argv);
  const { values, positionals, tokens } = parseArgs({
    args,
    options: { ...GLOBAL_OPTIONS, ...COMMAND_OPTIONS },
    allowPositionals: true,
    strict: true,
    tokens: true,
  });
  const dashes = tokens.findIndex((token) =>
    token.kind === "option-terminator"
  );
  const before = dashes < 0
    ? positionals
    : tokens.slice(0, dashes).flatMap((token) =>
      token.kind === "positional" ? [token.value] : []
    );
  const afterDashes = positionals.slice(before.length);
  const [name, ...operands] = before;
  const commandValues: Record<string, unknown> = {};
  for (const key of Object.keys(COMMAND_OPTIONS) as OptionName[]) {
    if (values[key] !== undefined) commandValues[key] = values[key];
  }
  const isRun = name === "run";
  return {
    name,
    help: values.help === true,
    path: values.path,
    xdg: values.xdg === true,
    args: {
      operands: isRun ? operands : [...operands, ...afterDashes],
      afterDashes: isRun ? afterDashes : [],
      values: commandValues as Parsed["values"],
    },
  };
}

/** Every option the command line takes, by name, with its type. */
const ALL_OPTIONS: Record<string, { type: "string" | "boolean" }> = {
  ...GLOBAL_OPTIONS,
  ...COMMAND_OPTIONS,
};

/** What is wrong with one option as `node:util` read it, or `null`. */
function optionProblem(
  token: {
    name: string;
    rawName: string;
    value?: string;
    inlineValue?: boolean;
  },
): string | null {
  const { name, rawName, value, inlineValue } = token;
  const spec = Object.hasOwn(ALL_OPTIONS, name) ? ALL_OPTIONS[name] : null;
  if (spec === null) {
    const known = Object.keys(ALL_OPTIONS).map((option) => `--${option}`);
    // With no option near it, it may be a name that starts with "-".
    return `unknown option ${rawName}${
      didYouMean(rawName, known) ||
      `; a name that starts with "-" goes after --: -- "${rawName}"`
    }`;
  }
  if (spec.type === "boolean") {
    return value === undefined ? null : `${rawName} takes no value`;
  }
  if (value === undefined) return `${rawName} needs a value`;
  // As node:util decides: "-" alone is a value (stdin), "-x" looks like
  // an option.
  if (!inlineValue && value.length > 1 && value.startsWith("-")) {
    return `${rawName} needs a value; one that starts with - is written ${rawName}=-…`;
  }
  return null;
}

/**
 * Checks the options of `argv` as `node:util` tokenizes them, and throws a
 * {@linkcode UsageError} in the CLI's words for the first that is wrong:
 * unknown (with a suggestion), missing its value, given one it does not
 * take, or given a value that looks like an option. The CLI reads no
 * error message of `node:util`'s. `run` without `--` before its program is
 * told where `--` goes.
 */
function checkOptions(args: string[], argv: readonly string[]): void {
  const { tokens } = parseArgs({
    args,
    options: { ...GLOBAL_OPTIONS, ...COMMAND_OPTIONS },
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  for (const token of tokens) {
    if (token.kind !== "option") continue;
    const problem = optionProblem(token);
    if (problem === null) continue;
    throw new UsageError(
      programWithoutDashes(argv) ? RUN_NEEDS_DASHES : problem,
    );
  }
}
