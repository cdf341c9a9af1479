/**
 * Sync through the local PostgreSQL (role secrets_test, as `.ci/run` makes
 * it; a scratch database per run, dropped after): the first push and a
 * clone of 10,000 entries; a change on one copy applied on another under
 * `sync --watch` (a real `deno run` of the CLI; median and p95); and
 * `secrets get` as a real `deno run`, with and without a remote set; and,
 * for a git folder remote, the push of one changed secret into a folder
 * of 1,000 (files written, and its time).
 *
 *     deno task bench:sync
 *
 * @module
 */

import { join } from "node:path";
import postgres from "postgres";
import { SecretsEngine } from "../mod.ts";
import { generateIdentity } from "../src/age/age.ts";
import { withoutEnvironment } from "../src/remote/postgres.ts";

const ENTRIES = 10_000;
const ROUNDS = 21;
const GETS = 15;
const PASSWORD = "secrets-test";
const CLI = new URL("../src/cli/main.ts", import.meta.url).pathname;
const NET = "--allow-net=127.0.0.1:5432";

function stats(samples: number[]): { median: number; p95: number } {
  const sorted = samples.toSorted((a, b) => a - b);
  return {
    median: sorted[Math.floor(sorted.length / 2)],
    p95:
      sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)],
  };
}

function line(label: string, samples: number[]): void {
  const { median, p95 } = stats(samples);
  console.log(
    `${label.padEnd(44)} median ${median.toFixed(0)} ms, p95 ${
      p95.toFixed(0)
    } ms (n=${samples.length})`,
  );
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

async function changeToApplied(
  alice: SecretsEngine,
  bob: SecretsEngine,
): Promise<number[]> {
  const watcher = new Deno.Command("deno", {
    args: [
      "run",
      `--allow-read=${bob.storagePath}`,
      `--allow-write=${bob.storagePath}`,
      "--allow-env=PGPASSWORD,PGPASSFILE,HOME,SECRETS_IDENTITY_FILE",
      NET,
      CLI,
      "--path",
      bob.storagePath,
      "sync",
      "--watch",
    ],
    env: { PGPASSWORD: PASSWORD },
    stdout: "null",
    stderr: "null",
  }).spawn();
  const samples: number[] = [];
  try {
    // The watcher is connected once a first change arrives.
    await alice.set("bench.change", "warm-up");
    await alice.sync({ password: PASSWORD });
    while (await bob.get("bench.change") !== "warm-up") await tick();
    for (let round = 0; round < ROUNDS; round++) {
      const value = `v-${round}`;
      await alice.set("bench.change", value);
      await alice.sync({ password: PASSWORD });
      const pushed = performance.now();
      while (await bob.get("bench.change") !== value) await tick();
      samples.push(performance.now() - pushed);
    }
  } finally {
    watcher.kill("SIGTERM");
    await watcher.status;
  }
  return samples;
}

function tick(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 5));
}

async function cliGet(path: string): Promise<number> {
  return await timed(() =>
    new Deno.Command("deno", {
      args: [
        "run",
        `--allow-read=${path}`,
        `--allow-write=${path}`,
        CLI,
        "--path",
        path,
        "get",
        "name.1",
      ],
      stdout: "null",
    }).output()
  );
}

/** A push of one changed secret into a git folder of 1,000. */
async function gitPush(dir: string): Promise<void> {
  const repo = join(dir, "repo");
  await new Deno.Command("git", { args: ["init", "-q", repo] }).output();
  await using copy = await SecretsEngine.open({
    path: join(dir, "git-copy"),
    factors: [],
  });
  const entries: Record<string, string> = {};
  for (let i = 0; i < 1000; i++) entries[`name.${i}`] = `value-${i}`;
  await copy.setMany(entries);
  await copy.setRemote(`git:${join(repo, ".secrets")}`);
  await copy.sync();
  const samples: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    await copy.set("name.500", `changed-${round}`);
    samples.push(await timed(() => copy.sync()));
  }
  line("git folder: push of 1 of 1,000 secrets", samples);
}

const admin = withoutEnvironment(() =>
  postgres({
    host: "127.0.0.1",
    port: 5432,
    username: "secrets_test",
    password: PASSWORD,
    database: "postgres",
    onnotice: () => {},
  })
);
const database = `bench_${Date.now()}`;
await admin.unsafe(`CREATE DATABASE ${database}`);
const dir = await Deno.makeTempDir({ prefix: "secrets-bench-" });
try {
  const url = `postgres://secrets_test@127.0.0.1:5432/${database}`;
  const key = await generateIdentity();
  await using alice = await SecretsEngine.open({
    path: join(dir, "alice"),
    factors: [],
  });
  const entries: Record<string, string> = {};
  for (let i = 0; i < ENTRIES; i++) entries[`name.${i}`] = `value-${i}`;
  await alice.setMany(entries);
  await alice.addMember(key.recipient, { label: "bob" });
  // The same vault's `get`, before its remote is set and after.
  const before: number[] = [];
  for (let i = 0; i < GETS; i++) before.push(await cliGet(alice.storagePath));
  await alice.setRemote(url, { password: PASSWORD });
  const push = await timed(() => alice.sync({ password: PASSWORD }));
  console.log(
    `${`push of ${ENTRIES} entries`.padEnd(44)} ${push.toFixed(0)} ms`,
  );
  let bob: SecretsEngine | null = null;
  const clone = await timed(async () => {
    bob = await SecretsEngine.clone(url, {
      path: join(dir, "bob"),
      factors: [],
      identity: key.identity,
      password: PASSWORD,
    });
  });
  console.log(
    `${`clone of ${ENTRIES} entries`.padEnd(44)} ${clone.toFixed(0)} ms`,
  );
  if (bob === null) throw new Error("the clone did not finish");
  await using copy: SecretsEngine = bob;
  line(
    "change → applied under sync --watch",
    await changeToApplied(alice, copy),
  );
  const after: number[] = [];
  for (let i = 0; i < GETS; i++) after.push(await cliGet(alice.storagePath));
  line("secrets get, no remote (deno run)", before);
  line("secrets get, remote set and synced (deno run)", after);
  await gitPush(dir);
} finally {
  await Deno.remove(dir, { recursive: true });
  await admin.unsafe(`DROP DATABASE ${database} WITH (FORCE)`);
  await admin.end();
}
