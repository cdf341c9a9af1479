/**
 * The commands that resolve references: `inject` renders a template whose
 * `{{ secrets://NAME }}` placeholders name secrets, and `read` prints the
 * secret one reference names.
 *
 * @module
 */

import type { SecretsEngine } from "../../../mod.ts";
import type { Command, Context } from "../command.ts";
import { EXIT, Failure, UsageError } from "../failures.ts";
import { resolveNames } from "../environment/environment.ts";
import { writeUserFile } from "../io.ts";
import { signalNumber } from "../running/signals.ts";
import type { Io } from "../streams.ts";
import { maskForCi } from "../running/ci_mask.ts";
import {
  changedNames,
  debounceOf,
  endingSignals,
  type VaultWatch,
  watchVault,
} from "../running/watching.ts";
import { refuseTerminal } from "./transfer.ts";
import {
  parseReference,
  readTemplate,
  SCHEME,
  type Template,
} from "../environment/references.ts";

/** Runs `command` with `sh -c` after a re-render; a failure is reported. */
async function runExec(io: Io, command: string): Promise<void> {
  const access = Deno.permissions.querySync({ name: "run", command: "sh" });
  if (access.state !== "granted") {
    throw new Failure("--exec needs --allow-run=sh");
  }
  const { code } = await new Deno.Command("sh", {
    args: ["-c", command],
    stdin: "null",
  }).output();
  if (code !== 0) io.warn(`--exec exited with ${code}`);
}

/**
 * Re-renders `output` whenever a secret `template` references changes,
 * until an ending signal comes (the exit code is then 128 + N). A render
 * that fails keeps the last good file and says so.
 */
async function watchTemplate(
  { args, io }: Context,
  vault: SecretsEngine,
  watch: VaultWatch,
  template: Template,
  output: string,
): Promise<number> {
  const ending = endingSignals();
  try {
    const batches = changedNames(
      watch,
      template.names,
      debounceOf(args),
      ending.signal,
    );
    for await (const changed of batches) {
      try {
        const values = await resolveNames(vault, template.names, "file");
        await writeUserFile(output, template.render(values), true);
      } catch (error) {
        if (!(error instanceof Failure)) throw error;
        io.warn(`${error.message}: kept the last good ${output}`);
        continue;
      }
      io.warn(`re-rendered ${output}: ${changed.join(", ")} changed`);
      if (args.values.exec !== undefined) await runExec(io, args.values.exec);
    }
    const came = ending.came();
    return came === null ? EXIT.ok : EXIT.signalBase + signalNumber(came);
  } finally {
    ending.stop();
  }
}

/** `inject -i TEMPLATE [-o OUT]`: renders a template. */
export const inject: Command = {
  usage:
    "inject -i TEMPLATE [-o OUT] [--force] [--watch [--exec CMD] [--debounce 1s]]",
  summary: "render a template, replacing each {{ secrets://NAME }}",
  details: `
Spaces inside the braces are optional. Any other {{ ... }} is left as it is
(templates often hold another tool's placeholders), with a warning; an
unclosed {{ is an error naming its line and column; a template with no
reference passes through unchanged, with a warning. A missing secret is an
error listing every missing name, and nothing is written. -o OUT writes mode
0600 atomically and refuses to replace OUT without --force; without -o the
result goes to stdout, which must not be a terminal unless --force.
--watch keeps running and renders OUT again (atomically, mode 0600) when a
secret it references changes, then runs --exec CMD (with sh -c; needs
--allow-run=sh), e.g. "nginx -s reload"; changes within --debounce (1s) make
one render. A render that fails (a reference deleted) keeps the last good
file and says so on stderr. Ctrl-C or SIGTERM ends it.`,
  options: [
    "input",
    "output",
    "force",
    "watch",
    "exec",
    "debounce",
    "no-ci-mask",
  ],
  operands: [0, 0],
  async run(context): Promise<number> {
    const { args, open, io } = context;
    const { input, output, force = false, watch } = args.values;
    if (input === undefined) throw new UsageError("inject needs -i TEMPLATE");
    if (watch && output === undefined) {
      throw new UsageError("--watch renders a file: give -o OUT");
    }
    if (!watch && (args.values.exec ?? args.values.debounce) !== undefined) {
      throw new UsageError("--exec and --debounce go with --watch");
    }
    if (output === undefined) refuseTerminal(io, force);
    const template = readTemplate(await io.readText(input), input);
    if (template.names.length === 0) {
      io.warn(
        `${input} holds no ${SCHEME} reference: passed through unchanged`,
      );
    }
    if (template.others > 0) {
      io.warn(
        `left ${template.others} {{ … }} that hold no ${SCHEME} reference as they are`,
      );
    }
    if (watch && output !== undefined && template.names.length > 0) {
      await using vault = await open();
      // Watched from before the first render: a change meanwhile renders
      // again.
      const watch = watchVault(vault);
      const values = await resolveNames(vault, template.names, "file");
      maskForCi(io, [...values.values()], args.values["no-ci-mask"]);
      await writeUserFile(output, template.render(values), force);
      return await watchTemplate(context, vault, watch, template, output);
    }
    let values = new Map<string, string>();
    if (template.names.length > 0) {
      await using vault = await open();
      values = await resolveNames(vault, template.names, "file");
    }
    maskForCi(io, [...values.values()], args.values["no-ci-mask"]);
    const text = template.render(values);
    if (output === undefined) io.write(text);
    else await writeUserFile(output, text, force);
    return EXIT.ok;
  },
};

/** `read secrets://NAME`: prints the secret a reference names. */
export const read: Command = {
  usage: "read secrets://NAME",
  summary: "print the secret a reference names, like get (exit 1 when none)",
  options: [],
  operands: [1, 1],
  async run({ args, open, io }): Promise<number> {
    const [reference] = args.operands;
    const name = parseReference(reference);
    if (name === null) {
      throw new UsageError(`read takes a reference: ${SCHEME}NAME`);
    }
    await using vault = await open();
    const [value] = (await resolveNames(vault, [name], "file")).values();
    io.write(io.streams.stdout.isTerminal() ? `${value}\n` : value);
    return EXIT.ok;
  },
};
