/**
 * `secrets sync --watch` through a real `deno run` against a real
 * PostgreSQL: a teammate's push reaches it and restarts a `run --watch`
 * program on the same machine; a connection the server kills is
 * reconnected and the watcher catches up; SIGTERM ends it with exit 0.
 *
 * @module
 */

import { join } from "node:path";
import { assert, assertEquals } from "../../_assert.ts";
import { until } from "../../_helpers.ts";
import { PG, PG_NET, pgTest } from "../../_postgres.ts";
import { makeTeam } from "../../remote/_team.ts";
import { cliArgs } from "../_cli.ts";

/** Spawns `secrets sync --watch` on `vault`, with the test password. */
function syncWatch(vault: string): Deno.ChildProcess {
  return new Deno.Command("deno", {
    args: cliArgs(vault, ["sync", "--watch"], [
      "--allow-env=PGPASSWORD,PGPASSFILE,HOME,SECRETS_IDENTITY_FILE",
      PG_NET,
    ]),
    env: { PGPASSWORD: PG.password },
    stdout: "null",
    stderr: "piped",
  }).spawn();
}

/** Spawns `secrets run --watch` writing `DB_PASSWORD` to `out` at each start. */
function runWatch(vault: string, out: string): Deno.ChildProcess {
  return new Deno.Command("deno", {
    args: cliArgs(vault, [
      "run",
      "--watch",
      "--",
      "sh",
      "-c",
      `echo "$DB_PASSWORD" >> '${out}'; exec sleep 600`,
    ], ["--allow-run=sh,setpriv", "--allow-env=PATH"]),
    stdout: "null",
    stderr: "null",
  }).spawn();
}

async function lines(path: string): Promise<string[]> {
  try {
    return (await Deno.readTextFile(path)).split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

pgTest(
  "a teammate's push reaches sync --watch, restarts run --watch, survives a killed connection, and SIGTERM ends it cleanly",
  async (db) => {
    await using team = await makeTeam(db, { "db.password": "one" });
    const bobVault = team.bob.storagePath;
    const out = join(team.dir, "starts.txt");
    const watcher = syncWatch(bobVault);
    const stderr = new Response(watcher.stderr).text();
    const program = runWatch(bobVault, out);
    try {
      assert(
        await until(async () => (await lines(out)).length === 1),
        "program started",
      );
      await team.alice.set("db.password", "two");
      await team.sync(team.alice);
      assert(
        await until(async () => (await team.bob.get("db.password")) === "two"),
        "the change reached the watching copy",
      );
      assert(
        await until(async () => (await lines(out)).at(-1) === "two"),
        "run --watch restarted with the new value",
      );
      // The server kills the watcher's connections; it reconnects and pulls.
      await db.sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE datname = ${db.name} AND pid <> pg_backend_pid()`;
      await team.alice.set("db.password", "three");
      await team.sync(team.alice);
      assert(
        await until(
          async () => (await team.bob.get("db.password")) === "three",
          20_000,
        ),
        "the watcher caught up after its connection was killed",
      );
    } finally {
      program.kill("SIGTERM");
      await program.status;
      watcher.kill("SIGTERM");
    }
    const status = await watcher.status;
    const printed = await stderr;
    assertEquals(status.code, 0, printed);
    assert(!printed.includes(PG.password));
  },
);
