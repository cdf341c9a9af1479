/**
 * A writer for the concurrency test: `count` writes of its own names
 * `w<id>.k<j>` and of names shared with every other writer, `shared.k<j % 4>`.
 *
 *     deno run --allow-read=<vault> --allow-write=<vault> writer_child.ts <vault> <id> <count>
 *
 * @module
 */

import { SecretsEngine } from "../../mod.ts";

const [path, id, countText] = Deno.args;
await using engine = await SecretsEngine.open({ path, factors: [] });
for (let j = 0; j < Number(countText); j++) {
  if (j % 5 === 4) {
    await engine.setMany([[`w${id}.k${j}`, `${id}:${j}`], [
      `shared.k${j % 4}`,
      `${id}:${j}`,
    ]]);
  } else {
    await engine.set(`w${id}.k${j}`, `${id}:${j}`);
    await engine.set(`shared.k${j % 4}`, `${id}:${j}`);
  }
}
