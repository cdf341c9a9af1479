/**
 * Sync between copies through a real PostgreSQL: changes to different
 * names merge, equal changes agree, different changes to one name keep
 * both values and are reported on every copy until resolved, deletes are
 * tombstones, concurrent pushes lose no acknowledged value, and the server
 * holds no name or value in clear.
 *
 * @module
 */

import { join } from "node:path";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { tempDir } from "../_helpers.ts";
import { ageKey } from "../_keys.ts";
import { PG, pgTest } from "../_postgres.ts";
import {
  KeyMismatchError,
  RemoteError,
  SecretsEngine,
  ValidationError,
} from "../../mod.ts";
import { makeTeam } from "./_team.ts";

pgTest(
  "a clone holds every secret, with its tags, and the same fingerprint",
  async (db) => {
    await using team = await makeTeam(db, {
      "db.password": "one",
      "api.key": "k",
    });
    await team.alice.setMeta("api.key", {
      tags: ["prod"],
      note: "from Stripe",
    });
    await team.sync(team.alice);
    await team.sync(team.bob);
    assertEquals(await team.bob.get("db.password"), "one");
    const entry = await team.bob.getEntry("api.key");
    assertEquals([entry?.tags, entry?.note], [["prod"], "from Stripe"]);
    const [a, b] = [await team.alice.remote(), await team.bob.remote()];
    assertEquals(a?.fingerprint, b?.fingerprint);
    assertEquals(b?.name, "team");
  },
);

pgTest(
  "changes to different names on two copies both reach both",
  async (db) => {
    await using team = await makeTeam(db);
    await team.alice.set("from.alice", "a");
    await team.bob.set("from.bob", "b");
    await team.sync(team.alice);
    const bob = await team.sync(team.bob);
    assertEquals([bob.pulled, bob.pushed, bob.conflicts], [1, 1, []]);
    await team.sync(team.alice);
    for (const copy of [team.alice, team.bob]) {
      assertEquals(await copy.get("from.alice"), "a");
      assertEquals(await copy.get("from.bob"), "b");
    }
  },
);

pgTest(
  "two copies setting one name to the same value is no conflict",
  async (db) => {
    await using team = await makeTeam(db);
    await team.alice.set("db.password", "same");
    await team.bob.set("db.password", "same");
    await team.sync(team.alice);
    const report = await team.sync(team.bob);
    assertEquals(report.conflicts, []);
    assertEquals(await team.bob.conflicts(), []);
  },
);

pgTest(
  "different values for one name: the first pushed is current, the other kept and reported on every copy until resolved",
  async (db) => {
    await using team = await makeTeam(db);
    await team.alice.set("db.password", "alice");
    await team.bob.set("db.password", "bob");
    await team.sync(team.alice);
    assertEquals((await team.sync(team.bob)).conflicts, ["db.password"]);
    assertEquals((await team.sync(team.alice)).conflicts, ["db.password"]);
    for (const copy of [team.alice, team.bob]) {
      assertEquals(await copy.get("db.password"), "alice");
      const [conflict] = await copy.conflicts();
      assertEquals(conflict.kept.map((kept) => kept.value), ["bob"]);
    }
    for (const copy of [team.alice, team.bob]) {
      const listed = await copy.status();
      assertEquals(listed.map((s) => [s.name, s.state]), [[
        "db.password",
        "conflict",
      ]]);
    }
    assertEquals((await team.bob.conflicts())[0].kept[0].mine, true);
    assertEquals((await team.alice.conflicts())[0].kept[0].mine, false);
    // A history limit of 0 prunes no kept value.
    await team.alice.setHistoryLimit(0);
    await team.alice.set("other", "x");
    assertEquals((await team.alice.conflicts()).length, 1);
    await team.bob.resolve("db.password", "local");
    await team.sync(team.bob);
    const after = await team.sync(team.alice);
    assertEquals(after.conflicts, []);
    assertEquals(await team.alice.get("db.password"), "bob");
    assertEquals(await team.alice.conflicts(), []);
  },
);

pgTest(
  "resolve refuses a name without conflict, a number out of range, and local when this copy wrote none",
  async (db) => {
    await using team = await makeTeam(db);
    await assertRejects(
      () => team.alice.resolve("db.password", "remote"),
      ValidationError,
    );
    await team.alice.set("db.password", "alice");
    await team.bob.set("db.password", "bob");
    await team.sync(team.alice);
    await team.sync(team.bob);
    await team.sync(team.alice);
    await assertRejects(
      () => team.alice.resolve("db.password", 2),
      ValidationError,
    );
    await assertRejects(
      () => team.alice.resolve("db.password", "local"),
      ValidationError,
    );
    assertEquals((await team.alice.conflicts()).length, 1);
    await team.alice.resolve("db.password", 1);
    assertEquals(await team.alice.get("db.password"), "bob");
  },
);

pgTest(
  "a delete travels as a tombstone: the other copy deletes, and a copy that never changed it does not bring it back",
  async (db) => {
    await using team = await makeTeam(db, { gone: "soon", kept: "k" });
    await team.alice.delete("gone");
    await team.sync(team.alice);
    await team.sync(team.bob);
    assertEquals(await team.bob.has("gone"), false);
    await team.sync(team.bob);
    await team.sync(team.alice);
    assertEquals(await team.alice.has("gone"), false);
    const rows = await db.sql`SELECT count(*)::int AS n FROM secrets_rows`;
    assertEquals(rows[0].n, 2);
  },
);

pgTest(
  "a value changed on one copy while the other deleted it is kept, not lost",
  async (db) => {
    await using team = await makeTeam(db, { shared: "v1" });
    await team.alice.delete("shared");
    await team.bob.set("shared", "v2");
    await team.sync(team.alice);
    const report = await team.sync(team.bob);
    assertEquals(report.conflicts, ["shared"]);
    assertEquals(await team.bob.has("shared"), false);
    const [conflict] = await team.bob.conflicts();
    assertEquals(conflict.kept[0].value, "v2");
  },
);

pgTest(
  "two copies pushing the same 50 names at once for 100 rounds lose no acknowledged value: each is current, kept or a version, and every real conflict is reported",
  async (db) => {
    const names = Array.from({ length: 50 }, (_, i) => `name.${i}`);
    const ROUNDS = 100;
    await using team = await makeTeam(db);
    const copies = [team.alice, team.bob];
    for (const copy of copies) await copy.setHistoryLimit(2 * ROUNDS + 10);
    const acknowledged: string[] = [];
    let conflicts = 0;
    for (let round = 0; round < ROUNDS; round++) {
      await Promise.all(copies.map(async (copy, side) => {
        const value = `${side}-${round}`;
        await copy.setMany(
          Object.fromEntries(names.map((name) => [name, value])),
        );
        const report = await copy.sync({ password: PG.password });
        acknowledged.push(value);
        if (report.conflicts.length > 0) conflicts++;
      }));
    }
    for (const copy of [...copies, team.alice]) await team.sync(copy);
    // What each name holds on either copy: current, versions, kept values.
    const held = new Map(names.map((name) => [name, new Set<string>()]));
    for (const copy of copies) {
      const { entries } = await copy.exportEntries(undefined, {
        history: true,
      });
      for (const entry of entries) {
        const values = held.get(entry.name);
        values?.add(entry.value);
        for (const version of entry.versions ?? []) values?.add(version.value);
      }
      for (const conflict of await copy.conflicts()) {
        for (const k of conflict.kept) {
          held.get(conflict.name)?.add(String(k.value));
        }
      }
    }
    for (const name of names) {
      assertEquals(await team.bob.get(name), await team.alice.get(name));
      const values = held.get(name) ?? new Set();
      for (const value of acknowledged) {
        assert(values.has(value), `${name} lost ${value}`);
      }
    }
    // Both copies wrote every name in every round: unless each round's
    // pushes never overlapped, some were real conflicts, and were reported.
    const listed = await team.alice.conflicts();
    assertEquals(listed.length > 0, conflicts > 0);
  },
);

pgTest(
  "the server holds no name or value in clear, raw or base64",
  async (db) => {
    const secrets = {
      "stripe.live.key": "sk_live_5f3c9a1e7d2b",
      "db.password": "correct horse battery staple",
    };
    await using team = await makeTeam(db, secrets);
    await team.alice.setMeta("db.password", { note: "rotated by ops" });
    await team.sync(team.alice);
    const dump = await db
      .sql`SELECT row_to_json(v)::text AS row FROM secrets_vaults v
    UNION ALL SELECT row_to_json(r)::text FROM secrets_rows r
    UNION ALL SELECT row_to_json(m)::text FROM secrets_members m`;
    const text = dump.map((row) => row.row).join("\n");
    for (
      const clear of [
        ...Object.keys(secrets),
        ...Object.values(secrets),
        "rotated by ops",
      ]
    ) {
      const bytes = new TextEncoder().encode(clear);
      for (
        const form of [
          clear,
          btoa(clear),
          Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(""),
        ]
      ) {
        assert(!text.includes(form), `the server holds ${clear} as ${form}`);
      }
    }
  },
);

pgTest(
  "clone checks the fingerprint and the identity, and leaves nothing behind when refused",
  async (db) => {
    await using team = await makeTeam(db);
    const stranger = await ageKey(team.dir, "stranger.key");
    await assertRejects(
      () => team.clone("stranger", stranger),
      KeyMismatchError,
    );
    const print = (await team.alice.remote())?.fingerprint ?? "";
    const wrong = `SHA256:${"A".repeat(43)}`;
    await assertRejects(
      () =>
        SecretsEngine.clone(db.url, {
          path: join(team.dir, "pinned"),
          factors: [],
          name: "team",
          identity: team.bobKey.identity,
          password: PG.password,
          fingerprint: wrong,
        }),
      RemoteError,
    );
    for (const name of ["stranger", "pinned"]) {
      await assertRejects(
        () => Deno.stat(join(team.dir, name, "store.db")),
        Deno.errors.NotFound,
      );
    }
    await using pinned = await SecretsEngine.clone(db.url, {
      path: join(team.dir, "pinned"),
      factors: [],
      name: "team",
      identity: team.bobKey.identity,
      password: PG.password,
      fingerprint: print,
    });
    assertEquals(await pinned.get("db.password"), "hunter2");
    await assertRejects(
      () => team.clone("pinned", team.bobKey),
      ValidationError,
    );
  },
);

pgTest(
  "push alone is refused while the remote holds changes this copy has not pulled",
  async (db) => {
    await using team = await makeTeam(db);
    await team.alice.set("x", "1");
    await team.sync(team.alice);
    await team.bob.set("y", "2");
    const error = await assertRejects(
      () => team.bob.sync({ password: PG.password, pull: false }),
      RemoteError,
    );
    assertEquals(error.remedy, { kind: "pull-first" });
    const pulled = await team.bob.sync({ password: PG.password, push: false });
    assertEquals([pulled.pulled, pulled.pushed], [1, 0]);
    assertEquals(
      (await team.bob.sync({ password: PG.password, pull: false })).pushed,
      1,
    );
  },
);

pgTest(
  "sync without a remote, or with bad options, is a ValidationError",
  async () => {
    await using dir = await tempDir();
    await using engine = await SecretsEngine.open({
      path: join(dir.path, "v"),
      factors: [],
    });
    await assertRejects(() => engine.sync(), ValidationError);
    await assertRejects(
      () => engine.sync({ pull: false, push: false }),
      ValidationError,
    );
  },
);
