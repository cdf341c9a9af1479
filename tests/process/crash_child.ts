/**
 * Performs the operation stream for a seed on a vault, printing `ready`
 * once open, `start N` before operation N and `ack N` once it resolved,
 * until the parent kills it.
 *
 *     deno run --allow-read=<vault> --allow-write=<vault> crash_child.ts <vault> <seed>
 *
 * @module
 */

import { SecretsEngine } from "../../mod.ts";
import { opAt } from "./ops.ts";

const [path, seedText] = Deno.args;
const seed = Number(seedText);
const encoder = new TextEncoder();
const say = (line: string) =>
  Deno.stdout.writeSync(encoder.encode(`${line}\n`));

const engine = await SecretsEngine.open({ path, factors: [] });
say("ready");
for (let index = 0;; index++) {
  const op = opAt(seed, index);
  say(`start ${index}`);
  if (op.kind === "set") {
    await (op.entries.length === 1
      ? engine.set(op.entries[0][0], op.entries[0][1])
      : engine.setMany(op.entries));
  } else {
    await (op.names.length === 1
      ? engine.delete(op.names[0])
      : engine.deleteMany(op.names));
  }
  say(`ack ${index}`);
}
