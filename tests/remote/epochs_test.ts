/**
 * Key epochs between copies through a real PostgreSQL: a rotation on one
 * copy becomes a new epoch every other copy follows unattended through
 * its own member key, and two rotations before a sync become one; a
 * member removed on one copy while another is
 * offline ends with both on one epoch and the member gone, unable to open
 * it; two copies rotating at once end on one epoch with no removal lost;
 * a read-only copy follows with the identity it cloned with; and a forged
 * epoch header is refused.
 *
 * @module
 */

import { join } from "node:path";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { ageKey } from "../_keys.ts";
import { PG, pgTest } from "../_postgres.ts";
import { RemoteError, SecretsEngine } from "../../mod.ts";
import { makeTeam } from "./_team.ts";

pgTest(
  "a rotation on one copy becomes an epoch the other follows unattended, keeping its unpushed change",
  async (db) => {
    await using team = await makeTeam(db, { "db.password": "one" });
    const before = (await team.sync(team.alice)).epoch;
    await team.alice.rotate();
    await team.alice.set("after.rotation", "a");
    const pushed = await team.sync(team.alice);
    assertEquals(pushed.epoch, before + 1);
    await team.bob.set("bob.offline", "b");
    const followed = await team.sync(team.bob);
    assertEquals([followed.epoch, followed.conflicts], [before + 1, []]);
    assertEquals(await team.bob.get("after.rotation"), "a");
    assertEquals(await team.bob.get("db.password"), "one");
    await team.sync(team.alice);
    assertEquals(await team.alice.get("bob.offline"), "b");
    const rows = await db
      .sql`SELECT DISTINCT epoch::int AS e FROM secrets_rows`;
    assertEquals(rows.map((row) => row.e), [before + 1]);
  },
);

pgTest(
  "two rotations on one copy before it syncs become one epoch the other follows",
  async (db) => {
    await using team = await makeTeam(db, { "db.password": "one" });
    const before = (await team.sync(team.alice)).epoch;
    await team.alice.rotate();
    await team.alice.set("between.rotations", "a");
    await team.alice.rotate();
    const pushed = await team.sync(team.alice);
    assertEquals(pushed.epoch, before + 1);
    const followed = await team.sync(team.bob);
    assertEquals([followed.epoch, followed.conflicts], [before + 1, []]);
    assertEquals(await team.bob.get("between.rotations"), "a");
    assertEquals(await team.bob.get("db.password"), "one");
  },
);

pgTest(
  "a member removed on one copy while another is offline: both end on one epoch, the member gone and shut out",
  async (db) => {
    await using team = await makeTeam(db);
    const carol = await ageKey(team.dir, "carol.key");
    await team.alice.addMember(carol.recipient, { label: "carol" });
    await team.sync(team.alice);
    await team.sync(team.bob);
    await using carolCopy = await team.clone("carol", carol);
    assertEquals(await carolCopy.get("db.password"), "hunter2");
    // Bob is offline while Alice removes Carol and changes the password.
    await team.bob.set("db.host", "10.0.0.5");
    const removed = await team.alice.removeMember("carol");
    assertEquals(
      removed.removed.map((m) => m.label).sort(),
      [
        "carol",
        ...removed.removed.map((m) => m.label).filter((l) => l !== "carol"),
      ].sort(),
    );
    await team.alice.set("db.password", "rotated");
    const alice = await team.sync(team.alice);
    const bob = await team.sync(team.bob);
    assertEquals(bob.epoch, alice.epoch);
    assertEquals(await team.bob.get("db.password"), "rotated");
    await team.sync(team.alice);
    assertEquals(await team.alice.get("db.host"), "10.0.0.5");
    for (const copy of [team.alice, team.bob]) {
      const labels = (await copy.members()).map((m) => m.label);
      assert(
        !labels.some((l) => l === "carol" || l.startsWith("carol/")),
        labels.join(),
      );
    }
    // Carol's copy keeps what it held, and follows no further.
    const error = await assertRejects(
      () => carolCopy.sync({ password: PG.password }),
      RemoteError,
    );
    assert(/member was removed/.test(error.message), error.message);
    assertEquals(await carolCopy.get("db.password"), "hunter2");
    await assertRejects(() => team.clone("carol-again", carol), Error);
  },
);

pgTest(
  "two copies rotating at once end on one epoch, and the loser's member removal is not lost",
  async (db) => {
    await using team = await makeTeam(db);
    const dave = await ageKey(team.dir, "dave.key");
    await team.alice.addMember(dave.recipient, { label: "dave" });
    await team.sync(team.alice);
    await team.sync(team.bob);
    await team.alice.rotate();
    await team.bob.removeMember("dave");
    await team.sync(team.alice);
    const bob = await team.sync(team.bob);
    const alice = await team.sync(team.alice);
    assertEquals(alice.epoch, bob.epoch);
    for (const copy of [team.alice, team.bob]) {
      const labels = (await copy.members()).map((m) => m.label);
      assert(!labels.includes("dave"), labels.join());
      assertEquals(await copy.get("db.password"), "hunter2");
    }
    await assertRejects(() => team.clone("dave", dave), Error);
  },
);

pgTest(
  "a read-only copy follows a new epoch with the identity it cloned with",
  async (db) => {
    await using team = await makeTeam(db, { "db.password": "one" });
    const reader = `reader_${db.name.slice(-8)}`;
    await db.sql.unsafe(
      `CREATE ROLE ${reader} LOGIN PASSWORD 'reader-pw';
     GRANT SELECT ON secrets_vaults, secrets_rows, secrets_members, secrets_epochs TO ${reader}`,
    );
    try {
      const fleetKey = await ageKey(team.dir, "fleet.key");
      await team.alice.addMember(fleetKey.recipient, { label: "fleet" });
      await team.sync(team.alice);
      await using fleet = await SecretsEngine.clone(
        db.url.replace(PG.user, reader),
        {
          path: join(team.dir, "fleet"),
          factors: [],
          name: "team",
          identity: fleetKey.identity,
          password: "reader-pw",
        },
      );
      assertEquals(
        (await fleet.members()).some((m) => m.label.startsWith("fleet/")),
        false,
      );
      await team.alice.rotate();
      await team.alice.set("db.password", "two");
      await team.sync(team.alice);
      const options = { password: "reader-pw", push: false };
      await assertRejects(() => fleet.sync(options), RemoteError);
      const pulled = await fleet.sync({
        ...options,
        identity: fleetKey.identity,
      });
      assertEquals(await fleet.get("db.password"), "two");
      assertEquals(pulled.epoch, (await team.sync(team.alice)).epoch);
    } finally {
      await db.sql.unsafe(`DROP OWNED BY ${reader}; DROP ROLE ${reader}`);
    }
  },
);

pgTest(
  "a forged epoch header, and a member slot the server added, are refused",
  async (db) => {
    await using team = await makeTeam(db);
    await team.alice.rotate();
    await team.sync(team.alice);
    await db
      .sql`UPDATE secrets_epochs SET header = overlay(header placing '\\x00'::bytea from 5 for 1)`;
    const error = await assertRejects(() => team.sync(team.bob), RemoteError);
    assert(
      /header of key epoch \d+ does not verify/.test(error.message),
      error.message,
    );
    assertEquals(await team.bob.get("db.password"), "hunter2");
  },
);

pgTest("a member slot the server added is refused", async (db) => {
  await using team = await makeTeam(db);
  const [member] = await db
    .sql`SELECT epoch, slot FROM secrets_members LIMIT 1`;
  const forged = JSON.parse(member.slot);
  forged.id = "forged01";
  forged.label = "mallory";
  await db.sql`INSERT INTO secrets_members (vault, epoch, id, slot)
    VALUES ('team', ${member.epoch}, 'forged01', ${JSON.stringify(forged)})`;
  const error = await assertRejects(() => team.sync(team.bob), RemoteError);
  assert(
    /member slot "mallory" does not verify/.test(error.message),
    error.message,
  );
  assertEquals(
    (await team.bob.members()).some((m) => m.label === "mallory"),
    false,
  );
});
