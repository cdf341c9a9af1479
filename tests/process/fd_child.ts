/**
 * Counts this process's open files inside a vault before, during and after
 * an engine's life, printing them as JSON. Reading `/proc/self/fd` needs
 * `--allow-all`, which is why this runs as a child.
 *
 *     deno run --allow-all fd_child.ts <vault>
 *
 * @module
 */

import { SecretsEngine } from "../../mod.ts";

const [path] = Deno.args;

function openInVault(): number {
  let count = 0;
  for (const fd of Deno.readDirSync("/proc/self/fd")) {
    try {
      if (Deno.readLinkSync(`/proc/self/fd/${fd.name}`).startsWith(path)) {
        count++;
      }
    } catch {
      // The descriptor closed while we looked.
    }
  }
  return count;
}

let whileOpen: number;
{
  await using engine = await SecretsEngine.open({ path, factors: [] });
  await engine.set("a", "b");
  whileOpen = openInVault();
}
const afterClose = openInVault();
const engine = await SecretsEngine.open({ path, factors: [] });
await engine.destroy();
console.log(
  JSON.stringify({ whileOpen, afterClose, afterDestroy: openInVault() }),
);
