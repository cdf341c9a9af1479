/**
 * Format 7, pinned by the fixture its introducing commit wrote
 * (`tests/fixtures/make_vault-format7.ts`): a copy that synced opens and
 * verifies in full with its merge bases, still lists the conflict it was
 * left with and keeps the deletion it pulled; its merge bases are covered
 * by the accumulator, so one changed outside the engine is caught; and the
 * format 6 fixture becomes format 7 with an empty `replica` table.
 *
 * @module
 */

import { join } from "node:path";
import { assertEquals, assertRejects } from "../_assert.ts";
import { copyFixture, rawSql, tempDir } from "../_helpers.ts";
import { IntegrityError, SecretsEngine } from "../../mod.ts";

const FIXTURES = new URL("../fixtures/", import.meta.url).pathname;

interface Format7Fixture {
  text: Record<string, string>;
  bytes: Record<string, number[]>;
  deleted: string[];
  conflicts: Record<string, string[]>;
  remote: { url: string; name: string };
}

const fixture: Format7Fixture = JSON.parse(
  await Deno.readTextFile(join(FIXTURES, "vault-format7.json")),
);

Deno.test("format 7 fixture: it verifies in full, reads, and keeps its conflict, its deletion and its remote", async () => {
  await using dir = await tempDir();
  const path = await copyFixture(dir.path, "vault-format7");
  await Deno.remove(join(path, "meta.json"));
  await using engine = await SecretsEngine.open({ path });
  assertEquals((await engine.info()).format, 7);
  for (const [name, value] of Object.entries(fixture.text)) {
    assertEquals(await engine.get(name), value, name);
  }
  for (const [name, bytes] of Object.entries(fixture.bytes)) {
    assertEquals(await engine.getBytes(name), new Uint8Array(bytes), name);
  }
  for (const name of fixture.deleted) {
    assertEquals(await engine.has(name), false);
  }
  const conflicts = await engine.conflicts();
  assertEquals(
    conflicts.map((c) => [c.name, c.kept.map((k) => [k.value, k.mine])]),
    Object.entries(fixture.conflicts).map((
      [name, values],
    ) => [name, values.map((value) => [value, true])]),
  );
  assertEquals((await engine.status()).map((s) => s.state), ["conflict"]);
  const remote = await engine.remote();
  assertEquals([remote?.url, remote?.name], [
    fixture.remote.url,
    fixture.remote.name,
  ]);
  await engine.resolve("db.password", "local");
  assertEquals(await engine.get("db.password"), "alice's");
});

Deno.test("format 7 fixture: a merge base changed outside the engine fails verification", async () => {
  await using dir = await tempDir();
  const path = await copyFixture(dir.path, "vault-format7");
  await Deno.remove(join(path, "meta.json"));
  rawSql(
    dir.path,
    (db) => db.exec("DELETE FROM replica WHERE name_hash <> ''"),
  );
  await assertRejects(() => SecretsEngine.open({ path }), IntegrityError);
});

Deno.test("format 6 fixture: it becomes format 7 with an empty replica table, and syncs nothing until a remote is set", async () => {
  await using dir = await tempDir();
  const path = await copyFixture(dir.path, "vault-format6");
  {
    await using engine = await SecretsEngine.open({ path });
    assertEquals((await engine.info()).format, 7);
    assertEquals(await engine.conflicts(), []);
    assertEquals(await engine.remote(), null);
  }
  const rows = rawSql(
    dir.path,
    (db) => db.prepare("SELECT count(*) AS n FROM replica").get()?.n,
  );
  assertEquals(rows, 0);
});
