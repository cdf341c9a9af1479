/**
 * The scaling benchmark: builds vaults of 1k, 10k and 100k entries with
 * `setMany`, then measures each operation on each and prints a table, with
 * the ratio of `set` at 100k to `set` at 1k (the figure the npm package
 * fails: its writes re-hash the whole database).
 *
 *     deno task bench:scaling
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

const ROOT = new URL("./.vaults", import.meta.url).pathname;
const SIZES = (Deno.args[0] ?? "1000,10000,100000").split(",").map(Number);
const SET_SAMPLES = 300;
const READ_SAMPLES = 20_000;
const OPEN_SAMPLES = 5;

interface Row {
  size: number;
  setMs: number;
  setManyPerSec: number;
  getUs: number;
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

async function build(path: string, size: number): Promise<number> {
  await using engine = await SecretsEngine.open({ path, factors: [] });
  const entries = Array.from(
    { length: size },
    (_, i) => [name(i), value(i)] as const,
  );
  const ms = await timeAsync(() => engine.setMany(entries));
  return size / (ms / 1000);
}

async function measure(size: number): Promise<Row> {
  const path = join(ROOT, `vault-${size}`);
  await Deno.remove(path, { recursive: true }).catch(() => {});
  const setManyPerSec = await build(path, size);

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
  const pick = (i: number) => name((i * 7919) % size);
  await engine.has(pick(0));
  let sink = 0;
  const getMs = await timeAsync(async () => {
    for (let i = 0; i < READ_SAMPLES; i++) {
      sink += (await engine.get(pick(i)))?.length ?? 0;
    }
  });
  const hasMs = await timeAsync(async () => {
    for (let i = 0; i < READ_SAMPLES; i++) {
      sink += Number(await engine.has(pick(i)));
    }
  });
  const keysMs = await timeAsync(() => engine.keys());
  const setMs = await timeAsync(async () => {
    for (let i = 0; i < SET_SAMPLES; i++) await engine.set(pick(i), `new-${i}`);
  });
  if (sink === 0) throw new Error("nothing was read");
  return {
    size,
    setMs: setMs / SET_SAMPLES,
    setManyPerSec,
    getUs: (getMs * 1000) / READ_SAMPLES,
    hasUs: (hasMs * 1000) / READ_SAMPLES,
    keysMs,
    openSealedMs,
    openCrashMs,
    rssMb,
  };
}

function table(rows: Row[], kdfMs: number): string {
  const head =
    "| entries | set (ms) | setMany (entries/s) | get (µs) | has (µs) | keys, first call (ms) | open sealed (ms) | open after crash (ms) | RSS open + read all (MB) |";
  const rule = `|${"---|".repeat(9)}`;
  const lines = rows.map((r) =>
    `| ${r.size.toLocaleString("en")} | ${r.setMs.toFixed(2)} | ${
      Math.round(r.setManyPerSec).toLocaleString("en")
    } | ${r.getUs.toFixed(1)} | ${r.hasUs.toFixed(1)} | ${
      r.keysMs.toFixed(0)
    } | ${r.openSealedMs.toFixed(0)} | ${r.openCrashMs.toFixed(0)} | ${
      r.rssMb.toFixed(0)
    } |`
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
