import { join } from "node:path";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import {
  DecryptionError,
  IntegrityError,
  KeyNotFoundError,
  SecretsEngine,
  ValidationError,
} from "../../mod.ts";
import { exportAge, importAge } from "../../src/age/age.ts";
import { openEngine, rawSql, tempDir } from "../_helpers.ts";

const DAY = 86_400_000;
const STRIPE = {
  note: "Dashboard > Developers > API keys",
  tags: ["prod", "stripe"],
  rotateEvery: 90 * DAY,
};

function annotationRows(dir: string): number {
  return rawSql(
    dir,
    (db) =>
      Number(db.prepare("SELECT count(*) AS n FROM annotations").get()?.n),
  );
}

/** Reopens with the seal gone, so the open verifies every row. */
async function verifyInFull(dir: string): Promise<void> {
  await Deno.remove(join(dir, "vault", "meta.json"));
  await (await openEngine(dir)).close();
}

Deno.test("an annotation rides along: set gives it, a new value keeps it, setMeta changes it without a version", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  await engine.set("stripe.key", "sk_1", STRIPE);
  await engine.set("stripe.key", "sk_2");
  let entry = await engine.getEntry("stripe.key");
  assertEquals([entry?.value, entry?.version], ["sk_2", 2]);
  assertEquals([entry?.note, entry?.tags, entry?.rotateEvery], [
    STRIPE.note,
    STRIPE.tags,
    STRIPE.rotateEvery,
  ]);
  assertEquals(
    entry?.rotationDue?.getTime(),
    (entry?.updated.getTime() ?? 0) + STRIPE.rotateEvery,
  );
  await engine.setMeta("stripe.key", { note: null, tags: ["live"] });
  entry = await engine.getEntry("stripe.key");
  assertEquals([entry?.version, entry?.note, entry?.tags, entry?.rotateEvery], [
    2,
    null,
    ["live"],
    STRIPE.rotateEvery,
  ]);
  assertEquals((await engine.history("stripe.key")).length, 2);
  await engine.set("stripe.key", "sk_3", { rotateEvery: null, tags: null });
  assertEquals(annotationRows(dir.path), 0);
  assertEquals((await engine.getEntry("stripe.key"))?.tags, []);
});

Deno.test("revert restores the value, not the annotation; delete and purge remove it", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  await engine.set("a", "one", { tags: ["old"] });
  await engine.set("a", "two", { tags: ["new"] });
  await engine.revert("a", 1);
  const entry = await engine.getEntry("a");
  assertEquals([entry?.value, entry?.tags], ["one", ["new"]]);
  await engine.delete("a");
  await engine.set("gone", "x", { note: "n", ttlMs: 1 });
  await new Promise((resolve) => setTimeout(resolve, 5));
  await engine.purgeExpired();
  assertEquals(annotationRows(dir.path), 0);
  await verifyInFull(dir.path);
});

Deno.test("bad input is a clear error and leaves the vault exactly as it was", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  await engine.set("k", "v", { note: "kept" });
  const snapshot = async () => {
    const { entries } = await engine.exportEntries(undefined, {
      history: true,
    });
    return JSON.stringify(entries);
  };
  const before = await snapshot();
  await assertRejects(
    () => engine.set("k", "w", { tags: Array(10_000).fill("t") }),
    ValidationError,
  );
  await assertRejects(
    () => engine.setMeta("k", { note: "n".repeat(1 << 20) }),
    ValidationError,
  );
  await assertRejects(
    () => engine.setMeta("k", { rotateEvery: -DAY }),
    ValidationError,
  );
  await assertRejects(
    () => engine.setMany({ a: "1", b: "2" }, { rotateEvery: 1e300 }),
    ValidationError,
  );
  await assertRejects(
    () => engine.setMeta("missing", { note: "n" }),
    KeyNotFoundError,
  );
  assertEquals(await snapshot(), before);
  assertEquals(await engine.keys(), ["k"]);
  assertEquals((await engine.history("k")).length, 1);
});

Deno.test("keys filters by tag", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  await engine.setMany({ "a.one": "1", "a.two": "2", "b.one": "3" }, {
    tags: ["team"],
  });
  await engine.setMeta("a.two", { tags: ["prod", "team"] });
  assertEquals(await engine.keys("**", { tag: "prod" }), ["a.two"]);
  assertEquals(await engine.keys("a.*", { tag: "team" }), ["a.one", "a.two"]);
  assertEquals(await engine.keys("**", { tag: "none" }), []);
});

Deno.test("an annotation altered, moved or removed with raw SQL is an IntegrityError on full verification", async (t) => {
  const changes: [string, string][] = [
    ["altered", "UPDATE annotations SET sealed = zeroblob(length(sealed))"],
    ["removed", "DELETE FROM annotations"],
    [
      "moved",
      "UPDATE annotations SET name_hash = (SELECT name_hash FROM entries WHERE name_hash != annotations.name_hash LIMIT 1)",
    ],
  ];
  for (const [what, sql] of changes) {
    await t.step(what, async () => {
      await using dir = await tempDir();
      {
        await using engine = await openEngine(dir.path);
        await engine.setMany({ a: "1", b: "2" });
        await engine.setMeta("a", { note: "n" });
      }
      rawSql(dir.path, (db) => db.exec(sql));
      await Deno.remove(join(dir.path, "vault", "meta.json"));
      await assertRejects(() => openEngine(dir.path), IntegrityError);
    });
  }
  await t.step(
    "moved to another entry and opened lazily: it does not decrypt",
    async () => {
      await using dir = await tempDir();
      await using engine = await openEngine(dir.path);
      await engine.setMany({ a: "1", b: "2" });
      await engine.setMeta("a", { note: "n" });
      rawSql(dir.path, (db) =>
        db.exec(
          "UPDATE annotations SET name_hash = (SELECT name_hash FROM entries WHERE name_hash != annotations.name_hash LIMIT 1)",
        ));
      await assertRejects(() => engine.getEntry("b"), DecryptionError);
      assertEquals((await engine.getEntry("a"))?.note, null);
    },
  );
});

Deno.test("annotations survive rotation, export and import, and an age backup; a document carries them only as version 4", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "vault");
  await using engine = await SecretsEngine.open({ path });
  await engine.set("plain", "p");
  assertEquals((await engine.exportEntries()).version, 2);
  assertEquals(
    (await engine.exportEntries(undefined, { history: true })).version,
    3,
  );
  await engine.set("stripe.key", "sk", STRIPE);
  await engine.rotate();
  assertEquals((await engine.getEntry("stripe.key"))?.tags, STRIPE.tags);
  const doc = await engine.exportEntries();
  assertEquals(doc.version, 4);
  const entry = doc.entries.find((e) => e.name === "stripe.key");
  assertEquals([entry?.note, entry?.tags, entry?.rotateEvery], [
    STRIPE.note,
    STRIPE.tags,
    STRIPE.rotateEvery,
  ]);
  await using copy = await SecretsEngine.open({ path: join(dir.path, "copy") });
  await copy.importEntries(doc);
  assertEquals((await copy.getEntry("stripe.key"))?.note, STRIPE.note);
  const file = await exportAge(engine, { passphrase: "pw" });
  await using restored = await SecretsEngine.open({
    path: join(dir.path, "restored"),
  });
  await importAge(restored, file, { passphrase: "pw" });
  assertEquals(
    (await restored.getEntry("stripe.key"))?.rotateEvery,
    STRIPE.rotateEvery,
  );
  assertEquals((await restored.getEntry("plain"))?.tags, []);
});

Deno.test("an import without annotations keeps the vault's; one with them replaces them", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  await engine.set("k", "v", { tags: ["mine"] });
  const plain = {
    type: "@scope/secrets export" as const,
    version: 2,
    exported: new Date().toISOString(),
    entries: [{
      name: "k",
      kind: "text" as const,
      value: "w",
      created: new Date().toISOString(),
      updated: new Date().toISOString(),
      expires: null,
    }],
  };
  await engine.importEntries(plain, { overwrite: true });
  assertEquals((await engine.getEntry("k"))?.tags, ["mine"]);
  await engine.importEntries({
    ...plain,
    version: 4,
    entries: [{ ...plain.entries[0], tags: ["theirs"] }],
  }, { overwrite: true });
  assertEquals((await engine.getEntry("k"))?.tags, ["theirs"]);
  assert((await engine.getEntry("k"))?.note === null);
});
