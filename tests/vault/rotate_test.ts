import {
  assert,
  assertEquals,
  assertFalse,
  assertRejects,
} from "../_assert.ts";
import { join } from "node:path";
import {
  ClosedError,
  IntegrityError,
  KeyMismatchError,
  SecretsEngine,
} from "../../mod.ts";
import { openEngine, rawSql, tempDir } from "../_helpers.ts";

const ENTRIES = Array.from(
  { length: 600 },
  (_, i) => [`svc${i}.token`, `value ${i}`] as const,
);

function rows(dir: string): { hash: string; value: Uint8Array }[] {
  return rawSql(
    dir,
    (db) =>
      db.prepare(
        "SELECT name_hash AS hash, value FROM entries ORDER BY name_hash",
      )
        .all() as { hash: string; value: Uint8Array }[],
  );
}

Deno.test("rotate re-encrypts every entry, keeps its name hash and times, and the vault verifies", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "vault");
  let created = "";
  {
    await using engine = await openEngine(dir.path);
    await engine.setMany(ENTRIES);
    await engine.set("svc1.token", new Uint8Array([1, 2]), { ttlMs: 3.6e6 });
    await engine.set("svc1.token", "value 1");
    created = (await engine.exportEntries("svc1.token")).entries[0].created;
  }
  const before = rows(dir.path);
  {
    await using engine = await openEngine(dir.path);
    const { removed } = await engine.rotate();
    assertEquals(removed, []);
    assertEquals(engine.size, ENTRIES.length);
    assertEquals(await engine.get("svc7.token"), "value 7");
    assert(await engine.has("svc599.token"));
    await engine.set("after", "rotation");
  }
  const after = rows(dir.path);
  // The name key is kept through rotations, so merge bases stay stable;
  // every value's ciphertext changes.
  assertEquals(
    after.filter((row) => row.hash !== "").map((row) => row.hash)
      .filter((hash) => before.some((old) => old.hash === hash)).length,
    before.length,
  );
  const oldValues = new Set(before.map((row) => String(row.value)));
  assertFalse(
    after.some((row) => oldValues.has(String(row.value))),
    "a value ciphertext survived",
  );
  await Deno.remove(join(path, "meta.json"));
  await using engine = await openEngine(dir.path);
  assertFalse((await engine.info()).openedSealed);
  for (const [name, value] of ENTRIES) {
    assertEquals(await engine.get(name), value);
  }
  const exported = await engine.exportEntries("svc1.token");
  assertEquals(exported.entries[0].created, created);
  // Earlier versions moved to the new name hash, re-encrypted.
  const versions = await engine.history("svc1.token");
  assertEquals(versions.map((v) => [v.version, v.kind]), [
    [3, "text"],
    [2, "bytes"],
    [1, "text"],
  ]);
  assert(versions[1].expiresAt !== null);
  assertEquals(
    (await engine.getVersion("svc1.token", 2))?.value,
    new Uint8Array([1, 2]),
  );
  assertEquals((await engine.getVersion("svc1.token", 1))?.value, "value 1");
});

Deno.test("rotate keeps the machine slot, the unlocking slot and those in keep; removes and returns the rest", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "vault");
  let kept = "";
  let dropped = "";
  {
    await using engine = await openEngine(dir.path);
    await engine.set("api", "sk-1");
    kept = (await engine.addKey({ label: "kept" })).key;
    dropped = (await engine.addKey({ label: "dropped" })).key;
  }
  {
    await using engine = await SecretsEngine.open({
      path,
      unlock: { key: kept },
    });
    const { removed } = await engine.rotate({ keep: [] });
    assertEquals(removed.map((slot) => slot.label), ["dropped"]);
    assertEquals(
      (await engine.slots()).map((slot) => slot.kind).sort(),
      ["key", "machine"],
    );
  }
  await assertRejects(
    () => SecretsEngine.open({ path, unlock: { key: dropped } }),
    KeyMismatchError,
  );
  await using byMachine = await SecretsEngine.open({ path });
  assertEquals(await byMachine.get("api"), "sk-1");
  await using byKey = await SecretsEngine.open({ path, unlock: { key: kept } });
  assertEquals(await byKey.get("api"), "sk-1");
});

Deno.test("rotate with a keep secret that opens nothing fails before changing anything", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  await engine.set("api", "sk-1");
  await engine.addKey();
  await using other = await tempDir();
  await using stranger = await openEngine(other.path);
  const { key } = await stranger.addKey();
  const before = rows(dir.path);
  await assertRejects(
    () => engine.rotate({ keep: [{ key }] }),
    KeyMismatchError,
  );
  assertEquals(rows(dir.path), before);
  assertEquals((await engine.slots()).length, 2);
});

Deno.test("another engine on a rotated vault is closed, never served stale or missing data", async () => {
  await using dir = await tempDir();
  await using rotator = await openEngine(dir.path);
  await rotator.set("api", "sk-1");
  const reads: [string, (engine: SecretsEngine) => Promise<unknown>][] = [
    ["get", (engine) => engine.get("api")],
    ["has", (engine) => engine.has("api")],
    ["set", (engine) => engine.set("x", "y")],
    ["keys", (engine) => engine.keys()],
  ];
  for (const [what, call] of reads) {
    await using stale = await openEngine(dir.path);
    await stale.get("api");
    await rotator.rotate();
    const error = await assertRejects(() => call(stale), ClosedError);
    assert(error.message.includes("rotated"), `${what}: ${error.message}`);
  }
  assertEquals(await rotator.get("api"), "sk-1");
});

// Rotation recomputes the accumulator from scratch: it must refuse, not
// launder, a vault changed outside the engine.
Deno.test("rotate refuses a vault changed outside the engine, and changes nothing", async () => {
  const edits = [
    "UPDATE entries SET updated = 1 WHERE name_hash = (SELECT min(name_hash) FROM entries)",
    "UPDATE slots SET label = 'edited' WHERE kind = 'key'",
    "UPDATE history SET updated = 1",
    "UPDATE meta SET value = CAST('3' AS BLOB) WHERE key = 'history_limit'",
  ];
  for (const edit of edits) {
    await using dir = await tempDir();
    await using engine = await openEngine(dir.path);
    await engine.setMany(ENTRIES.slice(0, 20));
    await engine.set("svc0.token", "second version");
    await engine.addKey();
    rawSql(dir.path, (db) => db.exec(edit));
    const before = rows(dir.path);
    await assertRejects(() => engine.rotate(), IntegrityError);
    assertEquals(rows(dir.path), before, edit);
  }
});
