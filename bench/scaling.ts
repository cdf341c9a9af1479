/**
 * The scaling benchmark: builds vaults of 1k, 10k and 100k entries with
 * `setMany`, then measures each operation on each and prints a table, with
 * the ratio of `set` at 100k to `set` at 1k (the figure the npm package
 * fails: its writes re-hash the whole database).
 *
 *     deno task bench:scaling
 *
 * History is on, as users run it: each vault keeps the default 10 earlier
 * versions, every name is overwritten 3 times after the first write, and
 * the names the `set` samples write hold a full history, so each sampled
 * `set` also prunes a version. `get, no history` reads the same names from
 * a vault of the same size written once with `historyLimit: 0` (the layout
 * before history), in the same run, in turns with the vault with history
 * (the best of three rounds each), so the two `get` columns compare.
 *
 * RSS is that of a fresh process that opens the vault, lists it and reads
 * every value (bench/rss_child.ts).
 *
 * The vaults are keyfile-only, so open runs no scrypt (the machine slot's
 * key-encryption key is HKDF of the keyfile); `open sealed` is the median
 * of five opens. `open (after crash)` removes the seal, which sends open
 * down the same full-verification path an unclean shutdown does. The
 * scrypt time a passphrase slot adds to an open is printed below the table.
 *
 * @module
 */

import { join } from "node:path";
import { SecretsEngine } from "../mod.ts";
import { DEFAULT_KDF, deriveKek, randomBytes } from "../src/crypto.ts";

const ROOT = new URL(".vaults", import.meta.url).pathname;
const SIZES = (Deno.args[0] ?? "1000,10000,100000").split(",").map(Number);
const SET_SAMPLES = 300;
const READ_SAMPLES = 20_000;
const OPEN_SAMPLES = 5;
const OVERWRITES = 3;
const HISTORY_LIMIT = 10;
const WRITE_BATCH = 10_000;
const GET_ROUNDS = 3;

interface Row {
  size: number;
  setMs: number;
  setManyPerSec: number;
  getUs: number;
  getBaselineUs: number;
  hasUs: number;
  keysMs: number;
  openSealedMs: number;
  openCrashMs: number;
  rssMb: number;
}

const name = (i: number) => `svc${i % 97}.key${i}`;
const value = (i: number) => `value-${i}-${"x".repeat(40)}`;

async function timeAsync(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

async function measureRss(path: string): Promise<number> {
  const { code, stdout } = await new Deno.Command("deno", {
    args: [
      "run",
      `--allow-read=${path}`,
      `--allow-write=${path}`,
      new URL("./rss_child.ts", import.meta.url).pathname,
      path,
    ],
    stderr: "inherit",
  }).output();
  if (code !== 0) throw new Error("the RSS child failed");
  return Number(new TextDecoder().decode(stdout)) / 2 ** 20;
}

/** Writes every name in batches; returns entries per second. */
async function writeAll(
  engine: SecretsEngine,
  size: number,
  round: number,
): Promise<number> {
  let ms = 0;
  for (let from = 0; from < size; from += WRITE_BATCH) {
    const batch = Array.from(
      { length: Math.min(WRITE_BATCH, size - from) },
      (_, i) => [name(from + i), `${value(from + i)}-${round}`] as const,
    );
    ms += await timeAsync(() => engine.setMany(batch));
  }
  return size / (ms / 1000);
}

/** A vault of `size` names, each overwritten `overwrites` times. */
async function build(
  path: string,
  size: number,
  historyLimit: number,
  overwrites: number,
): Promise<number> {
  await Deno.remove(path, { recursive: true }).catch(() => {});
  await using engine = await SecretsEngine.open({
    path,
    factors: [],
    historyLimit,
  });
  const perSec = await writeAll(engine, size, 0);
  for (let round = 1; round <= overwrites; round++) {
    await writeAll(engine, size, round);
  }
  return perSec;
}

/** Gives the names `set` samples a full history, so each sample prunes. */
async function fillHistory(
  engine: SecretsEngine,
  names: readonly string[],
): Promise<void> {
  for (let round = 0; round < HISTORY_LIMIT; round++) {
    await engine.setMany(names.map((n) => [n, `full-${round}`] as const));
  }
}

async function timeGets(
  engine: SecretsEngine,
  pick: (i: number) => string,
): Promise<number> {
  let sink = 0;
  const ms = await timeAsync(async () => {
    for (let i = 0; i < READ_SAMPLES; i++) {
      sink += (await engine.get(pick(i)))?.length ?? 0;
    }
  });
  if (sink === 0) throw new Error("nothing was read");
  return (ms * 1000) / READ_SAMPLES;
}

/**
 * The `get` time of `engine` and of the vault at `baseline`, taken in
 * turns, the best of each: so that neither pays for running first.
 */
async function compareGets(
  engine: SecretsEngine,
  baseline: string,
  pick: (i: number) => string,
): Promise<[number, number]> {
  await using other = await SecretsEngine.open({ path: baseline });
  await engine.has(pick(0));
  await other.has(pick(0));
  const times: [number[], number[]] = [[], []];
  for (let round = 0; round < GET_ROUNDS; round++) {
    times[0].push(await timeGets(engine, pick));
    times[1].push(await timeGets(other, pick));
  }
  return [Math.min(...times[0]), Math.min(...times[1])];
}

async function measure(size: number): Promise<Row> {
  const path = join(ROOT, `vault-${size}`);
  const baseline = join(ROOT, `baseline-${size}`);
  const pick = (i: number) => name((i * 7919) % size);
  await build(baseline, size, 0, 0);
  const setManyPerSec = await build(path, size, HISTORY_LIMIT, OVERWRITES);

  const opens: number[] = [];
  for (let i = 0; i < OPEN_SAMPLES; i++) {
    opens.push(
      await timeAsync(async () => {
        await (await SecretsEngine.open({ path, factors: [] })).close();
      }),
    );
  }
  const openSealedMs = opens.sort((a, b) => a - b)[OPEN_SAMPLES >> 1];
  await Deno.remove(join(path, "meta.json"));
  const openCrashMs = await timeAsync(async () => {
    await (await SecretsEngine.open({ path, factors: [] })).close();
  });

  const rssMb = await measureRss(path);
  await using engine = await SecretsEngine.open({ path, factors: [] });
  const [getUs, getBaselineUs] = await compareGets(engine, baseline, pick);
  let found = 0;
  const hasMs = await timeAsync(async () => {
    for (let i = 0; i < READ_SAMPLES; i++) {
      found += Number(await engine.has(pick(i)));
    }
  });
  if (found !== READ_SAMPLES) throw new Error("a name went missing");
  const keysMs = await timeAsync(() => engine.keys());
  const sampled = [
    ...new Set(Array.from({ length: SET_SAMPLES }, (_, i) => pick(i))),
  ];
  await fillHistory(engine, sampled);
  const setMs = await timeAsync(async () => {
    for (let i = 0; i < SET_SAMPLES; i++) await engine.set(pick(i), `new-${i}`);
  });
  return {
    size,
    setMs: setMs / SET_SAMPLES,
    setManyPerSec,
    getUs,
    getBaselineUs,
    hasUs: (hasMs * 1000) / READ_SAMPLES,
    keysMs,
    openSealedMs,
    openCrashMs,
    rssMb,
  };
}

function table(rows: Row[], kdfMs: number): string {
  const head =
    "| entries | set (ms) | setMany (entries/s) | get (µs) | get, no history (µs) | has (µs) | keys, first call (ms) | open sealed (ms) | open after crash (ms) | RSS open + read all (MB) |";
  const rule = `|${"---|".repeat(10)}`;
  const lines = rows.map((r) =>
    `| ${r.size.toLocaleString("en")} | ${r.setMs.toFixed(2)} | ${
      Math.round(r.setManyPerSec).toLocaleString("en")
    } | ${r.getUs.toFixed(1)} | ${r.getBaselineUs.toFixed(1)} | ${
      r.hasUs.toFixed(1)
    } | ${r.keysMs.toFixed(0)} | ${r.openSealedMs.toFixed(0)} | ${
      r.openCrashMs.toFixed(0)
    } | ${r.rssMb.toFixed(0)} |`
  );
  const first = rows[0];
  const last = rows[rows.length - 1];
  return [
    head,
    rule,
    ...lines,
    "",
    `scrypt N=2^17, r=8, p=1 (a passphrase slot, or a machine slot with factors): ${
      kdfMs.toFixed(0)
    } ms more per open`,
    `set cost ratio ${last.size.toLocaleString("en")}/${
      first.size.toLocaleString("en")
    }: ${(last.setMs / first.setMs).toFixed(2)}`,
  ].join("\n");
}

await Deno.mkdir(ROOT, { recursive: true });
const kdfMs = await timeAsync(() =>
  deriveKek(randomBytes(32), randomBytes(32), DEFAULT_KDF)
);
const rows: Row[] = [];
for (const size of SIZES) rows.push(await measure(size));
console.log(table(rows, kdfMs));
console.log(
  `\n${Deno.build.target}, ${navigator.hardwareConcurrency} cores, Deno ${Deno.version.deno}`,
);
await Deno.remove(ROOT, { recursive: true });
