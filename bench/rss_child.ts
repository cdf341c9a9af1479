/**
 * Opens a vault, lists it and reads every value, then prints the process's
 * resident set size in bytes: the memory figure of the scaling benchmark,
 * measured in a fresh process so the cost of building the vault is not in it.
 *
 *     deno run --allow-read=<vault> --allow-write=<vault> bench/rss_child.ts <vault>
 *
 * @module
 */

import { SecretsEngine } from "../mod.ts";

const [path] = Deno.args;
await using engine = await SecretsEngine.open({ path, factors: [] });
let bytes = 0;
for (const name of await engine.keys()) {
  bytes += (await engine.get(name))?.length ?? 0;
}
if (bytes === 0) throw new Error("nothing was read");
console.log(Deno.memoryUsage().rss);
