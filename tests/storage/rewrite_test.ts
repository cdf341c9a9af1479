import { assert, assertEquals, assertFalse } from "../_assert.ts";
import { join } from "node:path";
import { SecretsEngine } from "../../mod.ts";
import { openEngine, rawSql, tempDir } from "../_helpers.ts";

function marked(dir: string): boolean {
  return rawSql(
    dir,
    (db) =>
      db.prepare("SELECT 1 FROM meta WHERE key = 'rewrite'").get() !==
        undefined,
  );
}

Deno.test("a slot change leaves no rewrite pending, and every row survives the rewrite", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "vault");
  {
    await using engine = await openEngine(dir.path);
    await engine.setMany({ a: "1", b: new Uint8Array([2]) });
    await engine.set("a", "one");
    await engine.addKey();
    assertFalse(marked(dir.path));
  }
  await Deno.remove(join(path, "meta.json"));
  await using engine = await SecretsEngine.open({ path });
  assertFalse((await engine.info()).openedSealed);
  assertEquals(await engine.get("a"), "one");
  assertEquals(await engine.getBytes("b"), new Uint8Array([2]));
  assertEquals((await engine.history("a")).length, 2);
  assertEquals((await engine.slots()).length, 2);
});

Deno.test("a rewrite a crash left pending is finished by the next open", async () => {
  await using dir = await tempDir();
  {
    await using engine = await openEngine(dir.path);
    await engine.set("a", "1");
  }
  rawSql(
    dir.path,
    (db) => db.exec("INSERT INTO meta (key, value) VALUES ('rewrite', x'01')"),
  );
  assert(marked(dir.path));
  await using engine = await openEngine(dir.path);
  assertFalse(marked(dir.path));
  assertEquals(await engine.get("a"), "1");
});
