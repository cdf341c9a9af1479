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
import { ALLOW_ALL } from "./environment/exec_env.ts";

/** The options whose value may be left out, and the value they then take. */
const OPTIONAL_VALUES: Record<string, string> = {
  "--git": ".",
  "--allow-exec-env": ALLOW_ALL,
};

/** The options every command takes. */
export const GLOBAL_OPTIONS = {
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
export function programWithoutDashes(argv: readonly string[]): boolean {
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

export function parse(argv: string[]): CommandLine {
  const { values, positionals, tokens } = parseArgs({
    args: withOptionalValues(argv),
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

export function isParseError(
  error: unknown,
): error is TypeError & { code: unknown } {
  return error instanceof TypeError && "code" in error &&
    String(error.code).startsWith("ERR_PARSE_ARGS");
}

/** A parse error of `node:util` in the CLI's words, with a suggestion. */
export function parseErrorMessage(
  error: TypeError & { code: unknown },
): string {
  const option = /'(-{1,2}[^' <]+)/.exec(error.message)?.[1] ?? "";
  if (error.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const known = [
      ...Object.keys(GLOBAL_OPTIONS),
      ...Object.keys(COMMAND_OPTIONS),
    ]
      .map((name) => `--${name}`);
    const suggestion = didYouMean(option, known);
    // With no option near it, it may be a name that starts with "-".
    return `unknown option ${option}${
      suggestion ||
      `; a name that starts with "-" goes after --: -- "${option}"`
    }`;
  }
  if (/argument missing/.test(error.message)) return `${option} needs a value`;
  if (/argument is ambiguous/.test(error.message)) {
    return `${option} needs a value; one that starts with - is written ${option}=-…`;
  }
  if (/does not take an argument/.test(error.message)) {
    return `${option} takes no value`;
  }
  return error.message;
}
