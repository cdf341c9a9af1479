/**
 * Runs one power-loss scenario on a vault, printing `ack N` after each
 * acknowledged step and then waiting for a line on stdin before going on,
 * so the harness can cut the power right after an acknowledgement.
 *
 *     deno run --allow-read=<vault> --allow-write=<vault> child.ts <vault> <scenario> [key] [slot]
 *
 * @module
 */

import { SecretsEngine } from "../../mod.ts";
import { OVERWRITES, overwritten, SCENARIO_ENTRIES } from "./scenarios.ts";

const [path, scenario, key, slotId] = Deno.args;
const encoder = new TextEncoder();
const lines = Deno.stdin.readable.pipeThrough(new TextDecoderStream())
  .getReader();
let step = 0;

/** Says step N is acknowledged, then waits for the harness. */
async function ack(): Promise<void> {
  Deno.stdout.writeSync(encoder.encode(`ack ${step++}\n`));
  await lines.read();
}

const engine = await SecretsEngine.open({ path });
const steps: Record<string, () => Promise<unknown>[] | Promise<unknown>> = {
  create: async () => {
    await ack();
    await engine.set("first", "1");
    await ack();
  },
  set: async () => {
    for (let i = 0; i < 5; i++) {
      await engine.set(`k${i}`, `v${i}`);
      await ack();
    }
  },
  overwrite: async () => {
    for (let i = 1; i <= OVERWRITES; i++) {
      await engine.set("b0", overwritten(i));
      await ack();
    }
  },
  setMany: async () => {
    await engine.setMany(SCENARIO_ENTRIES);
    await ack();
  },
  delete: async () => {
    for (let i = 0; i < 3; i++) {
      await engine.delete(`b${i}`);
      await ack();
    }
  },
  close: async () => {
    await engine.set("c", "1");
    await ack();
    await engine.close();
    await ack();
  },
  addPassphrase: async () => {
    await engine.addPassphrase("added at a power cut");
    await ack();
  },
  removeSlot: async () => {
    await engine.removeSlot(slotId);
    await ack();
  },
  rebind: async () => {
    await engine.rebind();
    await ack();
  },
  rotate: async () => {
    await engine.rotate({ keep: [{ key }] });
    await ack();
  },
};
await steps[scenario]();
await engine.close();
Deno.stdout.writeSync(encoder.encode("done\n"));
// A read of stdin still pending would keep the process alive.
await lines.cancel();
