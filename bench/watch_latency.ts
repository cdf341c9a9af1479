/**
 * How long a change takes to reach a watcher: from a `set`'s commit to
 * `engine.watch()` yielding it in another engine, and to `run --watch`
 * starting the program again (a real `deno run` of the CLI, the default
 * one-second debounce included). Prints the median and the range.
 *
 *     deno task bench:watch
 *
 * @module
 */

import { join } from "node:path";
import { SecretsEngine } from "../mod.ts";

const ROUNDS = 7;
const CLI = new URL("../src/cli/main.ts", import.meta.url).pathname;

function summary(label: string, samples: number[]): string {
  const sorted = samples.toSorted((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  return `${label.padEnd(34)} median ${median.toFixed(0)} ms (${
    sorted[0].toFixed(0)
  }–${sorted[sorted.length - 1].toFixed(0)})`;
}

async function watchLatency(path: string): Promise<number[]> {
  await using watcher = await SecretsEngine.open({ path });
  await using writer = await SecretsEngine.open({ path });
  const samples: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    let committed = 0;
    setTimeout(async () => {
      await writer.set("api.token", `t-${round}`);
      committed = performance.now();
    }, 50 + 37 * round);
    for await (const _ of watcher.watch({ names: ["api.token"] })) {
      samples.push(performance.now() - committed);
      break;
    }
  }
  return samples;
}

async function restartLatency(path: string, dir: string): Promise<number[]> {
  const starts = join(dir, "starts.txt");
  const child = new Deno.Command("deno", {
    args: [
      "run",
      `--allow-read=${path}`,
      `--allow-write=${path}`,
      "--allow-run=sh",
      "--allow-env=PATH",
      CLI,
      "--path",
      path,
      "run",
      "--watch",
      "--",
      "sh",
      "-c",
      `date +%s%3N >> '${starts}'; exec sleep 600`,
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const lines = async () =>
    (await Deno.readTextFile(starts).catch(() => "")).split("\n")
      .filter(Boolean).map(Number);
  const waitFor = async (count: number) => {
    while ((await lines()).length < count) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  await using writer = await SecretsEngine.open({ path });
  const samples: number[] = [];
  await waitFor(1);
  for (let round = 0; round < ROUNDS; round++) {
    await writer.set("api.token", `r-${round}`);
    const committed = Date.now();
    await waitFor(round + 2);
    samples.push((await lines())[round + 1] - committed);
  }
  child.kill("SIGTERM");
  await child.status;
  return samples;
}

const dir = await Deno.makeTempDir({ prefix: "secrets-watch-bench-" });
try {
  const path = join(dir, "vault");
  {
    await using engine = await SecretsEngine.open({ path });
    await engine.set("api.token", "t");
  }
  console.log(summary("commit → watch() yields", await watchLatency(path)));
  console.log(
    summary("commit → run --watch restarted", await restartLatency(path, dir)),
  );
} finally {
  await Deno.remove(dir, { recursive: true });
}
