/**
 * Sets one secret, prints `ack`, then stays alive without closing, so the
 * parent can kill it with the write still in the WAL and the seal stale.
 *
 *     deno run --allow-read=<vault> --allow-write=<vault> hold_child.ts <vault> <name> <value>
 *
 * @module
 */

import { SecretsEngine } from "../../mod.ts";

const [path, name, value] = Deno.args;
const engine = await SecretsEngine.open({ path, factors: [] });
await engine.set(name, value);
console.log("ack");
setInterval(() => engine.size, 1000);
