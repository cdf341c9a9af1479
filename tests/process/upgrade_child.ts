/**
 * A process for the upgrade race: opens the vault (upgrading it if no other
 * process has yet), reads the given names and prints the format and the
 * values as JSON.
 *
 *     deno run --allow-read=<vault> --allow-write=<vault> upgrade_child.ts <vault> NAME...
 *
 * @module
 */

import { SecretsEngine } from "../../mod.ts";

const [path, ...names] = Deno.args;
await using engine = await SecretsEngine.open({ path });
const values: Record<string, string | null> = {};
for (const name of names) values[name] = await engine.get(name);
console.log(JSON.stringify({ format: (await engine.info()).format, values }));
