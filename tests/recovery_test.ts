import { assert, assertEquals, assertRejects } from "./_assert.ts";
import { join } from "node:path";
import {
  DecryptionError,
  IntegrityError,
  SecretsEngine,
  ValidationError,
} from "../mod.ts";
import { openVault, rawSql, tempDir } from "./_helpers.ts";

/** A vault of three secrets whose `bad` value was swapped for another's. */
async function tamperedVault(dir: string): Promise<string> {
  {
    await using engine = await openVault(dir);
    await engine.setMany({ good: "kept", other: "also kept", bad: "lost" });
  }
  rawSql(dir, (db) => {
    const [a, b] = db.prepare("SELECT name_hash, value FROM entries").all();
    db.prepare("UPDATE entries SET value = ? WHERE name_hash = ?").run(
      b.value as Uint8Array,
      a.name_hash as string,
    );
  });
  return join(dir, "vault");
}

Deno.test("recover: a vault that fails verification opens read-only and reports what failed", async () => {
  await using dir = await tempDir();
  const path = await tamperedVault(dir.path);
  await assertRejects(() => SecretsEngine.open({ path }), IntegrityError);
  const seal = await Deno.readFile(join(path, "meta.json"));
  {
    await using engine = await SecretsEngine.open({ path, recover: true });
    const report = engine.recovery;
    assert(report !== null);
    assertEquals(report.intact, false);
    assert(report.problems.some((p) => /changed outside/.test(p)));
    assertEquals(report.readable, 2);
    assertEquals(report.unreadable.length, 1);
    assert(/^entry [\w-]{8}$/.test(report.unreadable[0]));
    const names = await engine.keys();
    assertEquals(names.length, 3);
    const values = await Promise.allSettled(names.map((n) => engine.get(n)));
    const failed = values.filter((v) => v.status === "rejected");
    assertEquals(failed.length, 1);
    assert(
      failed[0].status === "rejected" &&
        failed[0].reason instanceof DecryptionError,
    );
    await assertRejects(() => engine.set("new", "v"), ValidationError);
    await assertRejects(() => engine.delete("good"), ValidationError);
  }
  assertEquals(await Deno.readFile(join(path, "meta.json")), seal);
  await assertRejects(() => SecretsEngine.open({ path }), IntegrityError);
});

Deno.test("recover: an intact vault reports intact and every entry readable", async () => {
  await using dir = await tempDir();
  {
    await using engine = await openVault(dir.path);
    await engine.setMany({ a: "1", b: "2" });
  }
  await using engine = await SecretsEngine.open({
    path: join(dir.path, "vault"),
    recover: true,
  });
  assertEquals(engine.recovery, {
    intact: true,
    problems: [],
    readable: 2,
    unreadable: [],
  });
  assertEquals(await engine.get("b"), "2");
});
