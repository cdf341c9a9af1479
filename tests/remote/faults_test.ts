/**
 * Real faults around a sync, against a real PostgreSQL: a connection the
 * server kills while a push waits inside its transaction, or while a pull
 * waits to read, leaves the remote and the copy each unchanged, and the
 * next sync finishes; a process killed with SIGKILL at random moments of
 * its syncs leaves a copy that opens and syncs, and every acknowledged
 * value reaches the other copy.
 *
 * @module
 */

import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { until } from "../_helpers.ts";
import { PG, PG_NET, pgTest, type TestDatabase } from "../_postgres.ts";
import { RemoteError } from "../../mod.ts";
import { makeTeam } from "./_team.ts";

const CHILD = new URL("./sync_child.ts", import.meta.url).pathname;

/** Kills every other connection to `db` once one waits on a lock. */
async function killWaiter(db: TestDatabase): Promise<void> {
  assert(
    await until(async () => {
      const waiting = await db.sql`SELECT 1 FROM pg_stat_activity
        WHERE datname = ${db.name} AND wait_event_type = 'Lock'`;
      return waiting.length > 0;
    }),
    "a sync came to wait on the lock",
  );
  await db.sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
    WHERE datname = ${db.name} AND wait_event_type = 'Lock'`;
}

async function revision(
  db: TestDatabase,
): Promise<{ acked: number[]; started: number }> {
  const [head] = await db.sql`SELECT revision::int AS r FROM secrets_vaults`;
  return head.r;
}

pgTest(
  "a push whose connection is killed inside its transaction changes nothing, and the next sync finishes",
  async (db) => {
    await using team = await makeTeam(db);
    await team.bob.set("pushed.later", "p");
    const before = await revision(db);
    await using blocker = db.connect();
    await blocker.begin(async (tx) => {
      await tx`SELECT 1 FROM secrets_vaults WHERE name = 'team' FOR UPDATE`;
      const push = team.sync(team.bob);
      await killWaiter(db);
      await assertRejects(() => push, RemoteError);
    });
    assertEquals(await revision(db), before);
    assertEquals(await team.bob.get("pushed.later"), "p");
    assertEquals((await team.sync(team.bob)).pushed, 1);
    await team.sync(team.alice);
    assertEquals(await team.alice.get("pushed.later"), "p");
  },
);

pgTest(
  "a pull whose connection is killed while it waits to read changes nothing, and the next sync finishes",
  async (db) => {
    await using team = await makeTeam(db);
    await team.alice.set("pulled.later", "q");
    await team.sync(team.alice);
    await using blocker = db.connect();
    await blocker.begin(async (tx) => {
      await tx`LOCK TABLE secrets_rows IN ACCESS EXCLUSIVE MODE`;
      const pull = team.sync(team.bob);
      await killWaiter(db);
      await assertRejects(() => pull, RemoteError);
    });
    assertEquals(await team.bob.has("pulled.later"), false);
    assertEquals((await team.sync(team.bob)).pulled, 1);
    assertEquals(await team.bob.get("pulled.later"), "q");
  },
);

/** Runs the child from `first`; kills it `delayMs` after it is ready. */
async function killChild(
  path: string,
  first: number,
  delayMs: number,
): Promise<{ acked: number[]; started: number }> {
  const child = new Deno.Command("deno", {
    args: [
      "run",
      `--allow-read=${path}`,
      `--allow-write=${path}`,
      PG_NET,
      CHILD,
      path,
      String(first),
      PG.password,
    ],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const acked: number[] = [];
  let started = first - 1;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let buffer = "";
  for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
    buffer += chunk;
    const lines = buffer.split("\n");
    buffer = lines.pop() ?? "";
    for (const line of lines) {
      if (line === "ready") {
        timer = setTimeout(() => child.kill("SIGKILL"), delayMs);
      }
      const [word, index] = line.split(" ");
      if (word === "ack") acked.push(Number(index));
      if (word === "start") started = Number(index);
    }
  }
  clearTimeout(timer);
  const status = await child.status;
  const stderr = await new Response(child.stderr).text();
  assertEquals(
    status.signal,
    "SIGKILL",
    `the child exited on its own: ${stderr}`,
  );
  return { acked, started };
}

pgTest(
  "a copy killed with SIGKILL at random moments of its syncs opens, syncs, and loses no acknowledged value",
  async (db) => {
    await using team = await makeTeam(db);
    const path = team.bob.storagePath;
    await team.bob.close();
    let next = 0;
    const acked: number[] = [];
    for (let kill = 0; kill < 8; kill++) {
      const run = await killChild(path, next, 150 + ((kill * 97) % 400));
      acked.push(...run.acked);
      // The round in flight may or may not have been set: the next child
      // starts after it.
      next = run.started + 1;
      // The copy opens, and its next sync finishes.
      const { SecretsEngine } = await import("../../mod.ts");
      await using copy = await SecretsEngine.open({ path });
      await copy.sync({ password: PG.password });
    }
    await team.sync(team.alice);
    for (const round of acked) {
      assertEquals(await team.alice.get(`round.${round}`), `value ${round}`);
    }
    assert(acked.length > 0, "some round was acknowledged");
  },
);
