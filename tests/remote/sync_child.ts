/**
 * The child of the sync crash test: opens the copy at its path and, for
 * each round from the one given, sets `round.N` and syncs, printing
 * `start N` before and `ack N` once the sync returned.
 *
 * @module
 */

import { SecretsEngine } from "../../mod.ts";

const [path, first, password] = Deno.args;
await using engine = await SecretsEngine.open({ path });
console.log("ready");
for (let round = Number(first);; round++) {
  console.log(`start ${round}`);
  await engine.set(`round.${round}`, `value ${round}`);
  await engine.sync({ password });
  console.log(`ack ${round}`);
}
