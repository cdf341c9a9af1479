/**
 * A read-only replica (a fleet server): with a role that may only
 * `SELECT`, clone and pull work and push fails naming the privileges it
 * lacks; and the tables 0.4.0's `remote set` made gain what sync needs.
 *
 * @module
 */

import { join } from "node:path";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { openEngine, tempDir } from "../_helpers.ts";
import { PG, pgTest } from "../_postgres.ts";
import { RemoteError, SecretsEngine } from "../../mod.ts";
import { makeTeam } from "./_team.ts";

pgTest(
  "a role that may only read clones and pulls, and its push names the privileges it lacks",
  async (db) => {
    await using team = await makeTeam(db, { "db.password": "one" });
    const reader = `reader_${db.name.slice(-8)}`;
    await db.sql.unsafe(
      `CREATE ROLE ${reader} LOGIN PASSWORD 'reader-pw';
     GRANT SELECT ON secrets_vaults, secrets_rows, secrets_members TO ${reader}`,
    );
    try {
      await using fleet = await SecretsEngine.clone(
        db.url.replace(PG.user, reader),
        {
          path: join(team.dir, "fleet"),
          factors: [],
          name: "team",
          identity: team.bobKey.identity,
          password: "reader-pw",
        },
      );
      assertEquals(await fleet.get("db.password"), "one");
      await team.alice.set("db.password", "two");
      await team.sync(team.alice);
      const pulled = await fleet.sync({ password: "reader-pw", push: false });
      assertEquals(pulled.pulled, 1);
      assertEquals(await fleet.get("db.password"), "two");
      await fleet.set("local.only", "x");
      const error = await assertRejects(
        () => fleet.sync({ password: "reader-pw" }),
        RemoteError,
      );
      assert(
        error.message.includes("INSERT and UPDATE on secrets_rows"),
        error.message,
      );
      assertEquals(await fleet.get("local.only"), "x");
    } finally {
      await db.sql.unsafe(`DROP OWNED BY ${reader}; DROP ROLE ${reader}`);
    }
  },
);

pgTest(
  "a remote whose table 0.4.0 made gains the head's columns and syncs",
  async (db) => {
    const fixture = new URL("../fixtures/remote-0.4.0.sql", import.meta.url);
    await db.sql.unsafe(await Deno.readTextFile(fixture));
    await using dir = await tempDir();
    await using engine = await openEngine(dir.path);
    await engine.set("a", "1");
    await engine.setRemote(db.url, { name: "ops", password: PG.password });
    const report = await engine.sync({ password: PG.password });
    assertEquals([report.pushed, report.revision], [1, 1]);
    const rows = await db.sql`SELECT name FROM secrets_vaults ORDER BY name`;
    assertEquals(rows.map((row) => row.name), ["default", "ops"]);
  },
);

/** The statements of docs/teams.md's `sql` block, as written. */
async function teamsGrants(): Promise<string> {
  const page = await Deno.readTextFile(
    new URL("../../docs/teams.md", import.meta.url),
  );
  const block = page.match(/```sql\n([\s\S]*?)```/);
  assert(block !== null, "docs/teams.md has an sql block");
  return block[1];
}

pgTest(
  "the roles and GRANTs docs/teams.md gives work as written: a writer pushes, a reader clones and pulls and may not push",
  async (db) => {
    await using team = await makeTeam(db, { "db.password": "one" });
    await db.sql.unsafe(await teamsGrants());
    try {
      // The page's passwords, as written.
      const as = (role: string) => db.url.replace(PG.user, role);
      const writer = "writer-password";
      const reading = "reader-password";
      await team.alice.setRemote(as("secrets_writer"), {
        name: "team",
        password: writer,
      });
      await team.alice.set("from.writer", "w");
      assertEquals((await team.alice.sync({ password: writer })).pushed, 1);
      await using reader = await SecretsEngine.clone(as("secrets_reader"), {
        path: join(team.dir, "reader"),
        factors: [],
        name: "team",
        identity: team.bobKey.identity,
        password: reading,
      });
      assertEquals(await reader.get("from.writer"), "w");
      await reader.set("local", "x");
      await assertRejects(
        () => reader.sync({ password: reading }),
        RemoteError,
      );
    } finally {
      await db.sql.unsafe(
        "DROP OWNED BY secrets_writer, secrets_reader; DROP ROLE secrets_writer, secrets_reader",
      );
    }
  },
);
