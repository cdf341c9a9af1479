/**
 * The read loop of `versus_npm.ts`, for this engine: builds a vault of
 * `SIZE` entries, then times `get` and `has` over names spread across it,
 * printing one JSON line of µs per call for each round.
 *
 *     deno run --allow-read=<dir> --allow-write=<dir> bench/reads_child.ts <dir>
 *
 * @module
 */

import { SecretsEngine } from "../mod.ts";
import { READ_ROUNDS, READS, SIZE, spread } from "./reads_plan.ts";

const [path] = Deno.args;
await using engine = await SecretsEngine.open({ path, factors: [] });
await engine.setMany(
  Array.from({ length: SIZE }, (_, i) => [spread(i), `value-${i}`] as const),
);
for (let round = 0; round < READ_ROUNDS; round++) {
  let start = performance.now();
  for (let i = 0; i < READS; i++) await engine.get(spread(i * 7919));
  const get = (performance.now() - start) * 1000 / READS;
  start = performance.now();
  for (let i = 0; i < READS; i++) await engine.has(spread(i * 7919));
  const has = (performance.now() - start) * 1000 / READS;
  console.log(JSON.stringify({ get, has }));
}
