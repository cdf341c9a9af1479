/**
 * A server that lies is caught: a forged, moved, dropped or rolled-back
 * row, a forged head, a row under a retired epoch and a remote behind what
 * a copy saw are refused, reported, and change nothing in the copy; a
 * repair after a restore of the server accepts it.
 *
 * @module
 */

import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { PG, pgTest, type TestDatabase } from "../_postgres.ts";
import { RemoteError, type SecretsEngine } from "../../mod.ts";
import { makeTeam } from "./_team.ts";

/** Refuses the sync, and leaves the copy's values as they were. */
async function refused(
  copy: SecretsEngine,
  why: RegExp,
): Promise<void> {
  const before = await copy.exportEntries();
  const error = await assertRejects(
    () => copy.sync({ password: PG.password }),
    RemoteError,
  );
  assert(why.test(error.message), error.message);
  assertEquals((await copy.exportEntries()).entries, before.entries);
}

/** Alice pushes a change to `name`, so Bob has something to pull. */
async function change(db: TestDatabase, alice: SecretsEngine): Promise<void> {
  await alice.set("db.password", "changed");
  await alice.sync({ password: PG.password });
  assert((await db.sql`SELECT 1 FROM secrets_rows`).length > 0);
}

pgTest("a row altered on the server is refused", async (db) => {
  await using team = await makeTeam(db, { "db.password": "a", other: "b" });
  await change(db, team.alice);
  await db
    .sql`UPDATE secrets_rows SET sealed = overlay(sealed placing '\\x00'::bytea from 20 for 1)
    WHERE version = 2`;
  await refused(team.bob, /forged, moved or altered/);
});

pgTest("a row moved to another name is refused", async (db) => {
  await using team = await makeTeam(db, { "db.password": "a", other: "b" });
  await change(db, team.alice);
  const [moved] = await db
    .sql`SELECT name_hash FROM secrets_rows WHERE version = 2`;
  const [target] = await db
    .sql`SELECT name_hash FROM secrets_rows WHERE version = 1`;
  await db.sql`DELETE FROM secrets_rows WHERE name_hash = ${target.name_hash}`;
  await db.sql`UPDATE secrets_rows SET name_hash = ${target.name_hash}
    WHERE name_hash = ${moved.name_hash}`;
  await refused(team.bob, /forged, moved or altered|do not add up/);
});

pgTest("a row dropped from the server is refused", async (db) => {
  await using team = await makeTeam(db, { "db.password": "a", other: "b" });
  await team.alice.set("new.one", "n");
  await change(db, team.alice);
  // The row of new.one: the only first version the last push wrote.
  await db.sql`DELETE FROM secrets_rows WHERE version = 1
    AND revision = (SELECT max(revision) FROM secrets_rows)`;
  await refused(team.bob, /do not add up/);
});

pgTest("a row rolled back to an older version is refused", async (db) => {
  await using team = await makeTeam(db, { "db.password": "a" });
  const [old] = await db
    .sql`SELECT sealed, version, revision FROM secrets_rows`;
  await change(db, team.alice);
  await team.sync(team.bob);
  await team.alice.set("db.password", "third");
  await team.sync(team.alice);
  // The server serves the first version again, as a new write.
  await db
    .sql`UPDATE secrets_rows SET sealed = ${old.sealed}, version = ${old.version},
    revision = 99`;
  await refused(team.bob, /rolled the name "db.password" back/);
});

pgTest("a forged head is refused", async (db) => {
  await using team = await makeTeam(db);
  await change(db, team.alice);
  await db
    .sql`UPDATE secrets_vaults SET head = overlay(head placing '\\xff'::bytea from 40 for 1)`;
  await refused(team.bob, /head .* does not verify/);
});

pgTest("a row under a retired key epoch is refused", async (db) => {
  await using team = await makeTeam(db);
  await change(db, team.alice);
  await db.sql`UPDATE secrets_rows SET epoch = 0 WHERE version = 2`;
  await refused(team.bob, /key epoch 0, retired/);
});

pgTest(
  "a remote rolled back behind what a copy saw is reported, and a repair accepts it",
  async (db) => {
    await using team = await makeTeam(db, { "db.password": "a" });
    const saved = await db.sql`SELECT * FROM secrets_rows`;
    const [head] = await db.sql`SELECT revision, head FROM secrets_vaults`;
    await team.alice.set("later", "l");
    await team.sync(team.alice);
    await team.sync(team.bob);
    // A restore of the server from a backup taken before the last push.
    await db.sql`DELETE FROM secrets_rows`;
    await db.sql`INSERT INTO secrets_rows ${db.sql(saved)}`;
    await db
      .sql`UPDATE secrets_vaults SET revision = ${head.revision}, head = ${head.head}`;
    const error = await assertRejects(() => team.sync(team.bob), RemoteError);
    assertEquals(error.remedy, { kind: "remote-behind" });
    const report = await team.bob.sync({ password: PG.password, repair: true });
    assertEquals(report.pushed, 1);
    assertEquals(await team.bob.get("later"), "l");
    await team.sync(team.alice);
    assertEquals(await team.alice.get("later"), "l");
  },
);
