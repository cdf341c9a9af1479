/**
 * The commands on single secrets: `set`, `get`, `list`, `has`, `delete`.
 *
 * @module
 */

import { validateName } from "../validate.ts";
import { type Command, EXIT, Failure, type Parsed } from "./command.ts";
import { readStdin, warn, write } from "./io.ts";
import { promptHidden } from "./prompt.ts";

async function readValue(name: string, args: Parsed): Promise<string> {
  if (args.values.value !== undefined) {
    warn(
      "--value leaves the secret in your shell history; prefer a pipe or the prompt",
    );
    return args.values.value;
  }
  if (!Deno.stdin.isTerminal()) {
    return (await readStdin()).replace(/\r?\n$/, "");
  }
  const typed = await promptHidden(`Value for ${name}: `);
  if (typed === "") {
    // At a terminal an empty answer is far likelier a slip than a value.
    throw new Failure(
      "nothing was typed: nothing was stored; to store an empty value, pipe it: secrets set NAME < /dev/null",
    );
  }
  return typed;
}

/** `set NAME`: stores a value from stdin, `--value`, or a no-echo prompt. */
export const set: Command = {
  usage: "set NAME [--value VALUE]",
  summary:
    "store a secret; the value comes from stdin when piped, else a prompt without echo",
  options: ["value"],
  operands: [1, 1],
  takesNames: true,
  async run({ args, open }): Promise<number> {
    const [name] = args.operands;
    validateName(name);
    const value = await readValue(name, args);
    await using vault = await open({ create: true });
    await vault.set(name, value);
    return EXIT.ok;
  },
};

/** `get NAME`: prints a value. */
export const get: Command = {
  usage: "get NAME",
  summary: "print a secret's value (exit 1 when there is none)",
  options: [],
  operands: [1, 1],
  takesNames: true,
  async run({ args, open }): Promise<number> {
    await using vault = await open();
    const value = await vault.get(args.operands[0]);
    if (value === null) throw new Failure("no secret with that name");
    write(Deno.stdout.isTerminal() ? `${value}\n` : value);
    return EXIT.ok;
  },
};

/** `list [PATTERN]`: prints names. */
export const list: Command = {
  usage: "list [PATTERN]",
  summary:
    "print the names (never the values), optionally matching a glob ('**' for all)",
  options: [],
  operands: [0, 1],
  async run({ args, open }): Promise<number> {
    await using vault = await open();
    const names = await vault.keys(args.operands[0]);
    if (names.length > 0) write(`${names.join("\n")}\n`);
    return EXIT.ok;
  },
};

/** `has NAME`: answers by exit code. */
export const has: Command = {
  usage: "has NAME",
  summary: "exit 0 when the secret exists, 1 when not; prints nothing",
  options: [],
  operands: [1, 1],
  takesNames: true,
  async run({ args, open }): Promise<number> {
    await using vault = await open();
    return await vault.has(args.operands[0]) ? EXIT.ok : EXIT.failed;
  },
};

/** `delete NAME`: removes a secret. */
export const remove: Command = {
  usage: "delete NAME",
  summary: "remove a secret (exit 1 when there was none)",
  options: [],
  operands: [1, 1],
  takesNames: true,
  async run({ args, open }): Promise<number> {
    await using vault = await open();
    if (!await vault.delete(args.operands[0])) {
      throw new Failure("no secret with that name");
    }
    return EXIT.ok;
  },
};
