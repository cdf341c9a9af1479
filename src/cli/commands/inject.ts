/**
 * The commands that resolve references: `inject` renders a template whose
 * `{{ secrets://NAME }}` placeholders name secrets, and `read` prints the
 * secret one reference names.
 *
 * @module
 */

import { type Command, EXIT, UsageError } from "../command.ts";
import { resolveNames } from "../environment.ts";
import { writeUserFile } from "../io.ts";
import { refuseTerminal } from "./transfer.ts";
import { parseReference, readTemplate, SCHEME } from "../references.ts";

/** `inject -i TEMPLATE [-o OUT]`: renders a template. */
export const inject: Command = {
  usage: "inject -i TEMPLATE [-o OUT] [--force]",
  summary: "render a template, replacing each {{ secrets://NAME }}",
  details: `
Spaces inside the braces are optional. Any other {{ ... }} is left as it is
(templates often hold another tool's placeholders), with a warning; an
unclosed {{ is an error naming its line and column; a template with no
reference passes through unchanged, with a warning. A missing secret is an
error listing every missing name, and nothing is written. -o OUT writes mode
0600 atomically and refuses to replace OUT without --force; without -o the
result goes to stdout, which must not be a terminal unless --force.`,
  options: ["input", "output", "force"],
  operands: [0, 0],
  async run({ args, open, io }): Promise<number> {
    const { input, output, force = false } = args.values;
    if (input === undefined) throw new UsageError("inject needs -i TEMPLATE");
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
    let values = new Map<string, string>();
    if (template.names.length > 0) {
      await using vault = await open();
      values = await resolveNames(vault, template.names, "file");
    }
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
