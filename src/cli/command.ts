/**
 * What every command of the `secrets` CLI shares: its table entry and the
 * parsed arguments it receives (the failures it may throw and the exit
 * codes are `failures.ts`).
 *
 * @module
 */

import type { LocationOptions, OpenOptions, SecretsEngine } from "../../mod.ts";
import type { Io } from "./streams.ts";

/** Every command option, as `node:util` `parseArgs` takes them. */
export const COMMAND_OPTIONS = {
  value: { type: "string" },
  prefix: { type: "string" },
  format: { type: "string" },
  force: { type: "boolean" },
  only: { type: "string", multiple: true },
  redact: { type: "boolean" },
  yes: { type: "boolean", short: "y" },
  "env-file": { type: "string", multiple: true },
  pristine: { type: "boolean" },
  input: { type: "string", short: "i" },
  output: { type: "string", short: "o" },
  passphrase: { type: "boolean" },
  "passphrase-file": { type: "string" },
  "key-env": { type: "string" },
  "key-file": { type: "string" },
  "age-passphrase": { type: "boolean" },
  "recovery-key": { type: "boolean" },
  label: { type: "string" },
  name: { type: "string" },
  factors: { type: "string" },
  "no-factors": { type: "boolean" },
  recipient: { type: "string", multiple: true },
  "recipients-file": { type: "string" },
  identity: { type: "string", multiple: true },
  "identity-env": { type: "string" },
  armor: { type: "boolean" },
  overwrite: { type: "boolean" },
  from: { type: "string" },
  file: { type: "string" },
  ttl: { type: "string" },
  expires: { type: "string" },
  out: { type: "string" },
  version: { type: "string" },
  long: { type: "boolean" },
  expired: { type: "boolean" },
  backup: { type: "string" },
  "keep-passphrase": { type: "boolean" },
  "keep-key": { type: "string", multiple: true },
  bytes: { type: "boolean" },
  "allow-exec-env": { type: "string", multiple: true },
  quiet: { type: "boolean", short: "q" },
  pq: { type: "boolean" },
  note: { type: "string" },
  "no-note": { type: "boolean" },
  tag: { type: "string", multiple: true },
  untag: { type: "string", multiple: true },
  "rotate-every": { type: "string" },
  "no-rotate": { type: "boolean" },
  within: { type: "string" },
  json: { type: "boolean" },
  "only-tag": { type: "string", multiple: true },
  watch: { type: "boolean" },
  restart: { type: "boolean" },
  signal: { type: "string" },
  debounce: { type: "string" },
  exec: { type: "string" },
  staged: { type: "boolean" },
  git: { type: "string" },
  current: { type: "boolean" },
  versions: { type: "boolean" },
  "min-length": { type: "string" },
  exclude: { type: "string", multiple: true },
  repair: { type: "boolean" },
  keep: { type: "string" },
  fingerprint: { type: "string" },
  show: { type: "boolean" },
  "no-ci-mask": { type: "boolean" },
} as const;

/** The name of a command option. */
export type OptionName = keyof typeof COMMAND_OPTIONS;

/** The value `parseArgs` gives an option of `Spec`'s type. */
type OptionValue<Spec> = Spec extends { type: "boolean" } ? boolean
  : Spec extends { multiple: true } ? string[]
  : string;

/** The command options given, each typed as its table entry says. */
export type OptionValues = {
  [Name in OptionName]?: OptionValue<(typeof COMMAND_OPTIONS)[Name]>;
};

/** A command's arguments, parsed. */
export interface Parsed {
  /** The operands, `--` and what follows it excluded except for `run`. */
  operands: string[];
  /** What follows `--`, for `run`. */
  afterDashes: string[];
  /** The command options given. */
  values: OptionValues;
}

/** What a command runs with. */
export interface Context {
  /** Its arguments. */
  args: Parsed;
  /**
   * Opens the vault the global options name, through the slot the unlock
   * options name (the machine slot without them). Only the commands that
   * store (`set`, `import`) may pass `create: true`, and not with an
   * unlock option; the others find no vault as a failure that names the
   * path.
   */
  open(options?: Pick<OpenOptions, "create" | "recover" | "factors">): Promise<
    SecretsEngine
  >;
  /** The vault location the global options name. */
  location: LocationOptions;
  /** Its standard streams, and reading and writing on them. */
  io: Io;
}

/** One entry of the command table. */
export interface Command {
  /** The synopsis after `secrets`. */
  usage: string;
  /** One line for `--help`. */
  summary: string;
  /** More, for `secrets COMMAND --help`. */
  details?: string;
  /** The options it takes. */
  options: readonly OptionName[];
  /** How many operands it takes, at least and at most. */
  operands: readonly [min: number, max: number];
  /** Whether its operands are secret names, which must not be empty. */
  takesNames?: boolean;
  /**
   * What to say when it is given more operands than it takes, where the
   * usage line alone would not tell the user what to do instead.
   */
  tooManyOperands?: string;
  /**
   * The exit code of a failure, where the command's own codes give 1
   * another meaning (`status`: something is due; `scan`: a leak found).
   */
  failureCode?: number;
  /**
   * Whether it refuses the unlock options (`--passphrase`, `--key-env`…),
   * which every command that opens an existing vault takes: `init` makes
   * the vault, `keygen` opens none.
   */
  noUnlock?: boolean;
  /** Runs it, resolving to the exit code. */
  run(context: Context): Promise<number>;
}
