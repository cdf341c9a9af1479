/**
 * Performs one key-slot operation on a vault, printing `start` just before
 * it and `ack <ms>` once it resolved, then exits; the parent kills it at a
 * random moment in between.
 *
 *     deno run --allow-read=<vault> --allow-write=<vault> slot_crash_child.ts <vault> <op> <key> <slot-id>
 *
 * `op` is one of `addPassphrase`, `removeSlot` (removes `slot-id`),
 * `rebind` and `rotate` (keeping the key slot `key` opens).
 *
 * @module
 */

import { SecretsEngine } from "../../mod.ts";

const [path, op, key, slotId] = Deno.args;
const encoder = new TextEncoder();
const say = (line: string) =>
  Deno.stdout.writeSync(encoder.encode(`${line}\n`));

const engine = await SecretsEngine.open({ path });
const operations: Record<string, () => Promise<unknown>> = {
  addPassphrase: () => engine.addPassphrase("added during a crash test"),
  removeSlot: () => engine.removeSlot(slotId),
  rebind: () => engine.rebind(),
  rotate: () => engine.rotate({ keep: [{ key }] }),
};
say("start");
const started = performance.now();
await operations[op]();
say(`ack ${Math.round(performance.now() - started)}`);
await engine.close();
