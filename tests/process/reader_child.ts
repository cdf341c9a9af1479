/**
 * A reader for the concurrency test: until `stop` appears in the vault's
 * parent folder, lists and reads the writers' names, failing if a value is
 * not the one its name implies or if the number of names ever shrinks.
 *
 *     deno run --allow-read=<dir> --allow-write=<vault> reader_child.ts <vault> <stop-file>
 *
 * @module
 */

import { SecretsEngine } from "../../mod.ts";

const [path, stopFile] = Deno.args;
await using engine = await SecretsEngine.open({ path, factors: [] });
let last = 0;
let reads = 0;
const stopped = () => {
  try {
    Deno.statSync(stopFile);
    return true;
  } catch {
    return false;
  }
};
while (!stopped()) {
  const names = await engine.keys("w*.**");
  if (names.length < last) {
    throw new Error(`names shrank from ${last} to ${names.length}`);
  }
  last = names.length;
  for (const name of names.slice(-5)) {
    const [, id, j] = name.match(/^w(\d+)\.k(\d+)$/) ?? [];
    const value = await engine.get(name);
    if (value !== `${id}:${j}`) throw new Error(`${name} read ${value}`);
    reads++;
  }
  await new Promise((resolve) => setTimeout(resolve, 5));
}
console.log(`reads ${reads}, last saw ${last} names`);
