/**
 * Runs `secrets scan` in a process of its own and reports how far its
 * resident memory grew over the scan, sampled while it runs: the test that
 * spawns it measures this process alone, not the test runner's, where
 * other test files run in parallel.
 *
 *     deno run -A scan_memory_child.ts VAULT DIR
 *
 * Prints the findings on stdout, then `grew N` on stderr.
 *
 * @module
 */

import { main } from "../../../src/cli/main.ts";

const [vault, dir] = Deno.args;
const before = Deno.memoryUsage().rss;
let peak = before;
const sampler = setInterval(() => {
  peak = Math.max(peak, Deno.memoryUsage().rss);
}, 20);
const code = await main(["--path", vault, "scan", "--current", dir]);
clearInterval(sampler);
peak = Math.max(peak, Deno.memoryUsage().rss);
console.error(`grew ${peak - before}`);
Deno.exit(code);
