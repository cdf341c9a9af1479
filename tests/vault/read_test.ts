import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { join } from "node:path";
import {
  DecryptionError,
  KeyNotFoundError,
  SecretsEngine,
  ValidationError,
} from "../../mod.ts";
import {
  historyRows,
  openEngine,
  rawSql,
  sleep,
  tempDir,
  until,
} from "../_helpers.ts";

Deno.test("bytes entries round-trip exactly; get refuses them without naming the entry", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
  await engine.set("tls.key", bytes);
  await engine.setMany([["empty.bytes", new Uint8Array()], ["text", "héllo"]]);
  assertEquals(await engine.getBytes("tls.key"), bytes);
  assertEquals(await engine.getBytes("empty.bytes"), new Uint8Array());
  assertEquals(
    await engine.getBytes("text"),
    new TextEncoder().encode("héllo"),
  );
  assertEquals(await engine.getBytes("missing"), null);
  const error = await assertRejects(
    () => engine.get("tls.key"),
    ValidationError,
  );
  assert(/getBytes/.test(error.message), error.message);
  assert(!error.message.includes("tls.key"), error.message);
  const entry = await engine.getEntry("tls.key");
  assertEquals([entry?.kind, entry?.value], ["bytes", bytes]);
  // The caller's array is copied: changing it later changes nothing stored.
  bytes.fill(0);
  assertEquals((await engine.getBytes("tls.key"))?.[255], 255);
});

Deno.test("an expired entry reads as absent, is listed on request, and is purged with its history", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  await engine.set("session", "s-1");
  await engine.set("forever", "f");
  await engine.set("later", "l", { expiresAt: new Date(Date.now() + 3.6e6) });
  assertEquals(engine.size, 3);
  // The expiry is short, and waited for: no assertion depends on how fast
  // a busy machine runs the writes around it.
  await engine.set("session", "s-2", { ttlMs: 20 });
  assert(await until(async () => (await engine.get("session")) === null));
  assertEquals(await engine.get("session"), null);
  assertEquals(await engine.getBytes("session"), null);
  assertEquals(await engine.getEntry("session"), null);
  assertEquals(await engine.has("session"), false);
  assertEquals(await engine.keys(), ["forever", "later"]);
  assertEquals(await engine.keys("s*", { expired: true }), ["session"]);
  assertEquals(engine.size, 2);
  assertEquals((await engine.info()).size, 2);
  await assertRejects(() => engine.getOrThrow("session"), KeyNotFoundError);
  // History still shows it, so it can be restored.
  assertEquals((await engine.history("session")).length, 2);
  assertEquals(historyRows(dir.path), 1);
  assertEquals(await engine.purgeExpired(), 1);
  assertEquals(await engine.purgeExpired(), 0);
  assertEquals(await engine.keys(undefined, { expired: true }), []);
  assertEquals(await engine.history("session"), []);
  assertEquals(historyRows(dir.path), 0);
  assertEquals(await engine.keys(), ["forever", "later"]);
});

Deno.test("a version moved to another number or entry does not decrypt", async () => {
  await using dir = await tempDir();
  {
    await using engine = await openEngine(dir.path);
    for (const value of ["1", "2", "3"]) await engine.set("a", value);
    await engine.set("b", "b1");
    await engine.set("b", "b2");
  }
  rawSql(dir.path, (db) => {
    db.exec(
      "UPDATE history SET value = (SELECT value FROM history WHERE version = 2 " +
        "AND name_hash = history.name_hash) WHERE version = 1",
    );
  });
  await using engine = await SecretsEngine.open({
    path: join(dir.path, "vault"),
    recover: true,
  });
  await assertRejects(() => engine.getVersion("a", 1), DecryptionError);
  assertEquals((await engine.getVersion("a", 2))?.value, "2");
});

Deno.test("getVersion reads an expired version as absent, as get does; history lists it", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  await engine.set("token", "old", { ttlMs: 1 });
  await engine.set("token", "new");
  await new Promise((resolve) => setTimeout(resolve, 5));
  assertEquals(await engine.getVersion("token", 1), null);
  assertEquals((await engine.getVersion("token", 2))?.value, "new");
  assertEquals((await engine.history("token")).map((v) => v.version), [2, 1]);
  await engine.set("lapsed", "x", { ttlMs: 1 });
  await new Promise((resolve) => setTimeout(resolve, 5));
  assertEquals(await engine.get("lapsed"), null);
  assertEquals(await engine.getVersion("lapsed", 1), null);
});

// SetHistoryLimit(0) over a million versions blocked the
// event loop for 24 s at 1.76 GiB.

Deno.test("getMeta gives a secret's facts and annotation without its value, and null when it is missing or expired", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  await engine.set("a", "one", {
    note: "n",
    tags: ["t"],
    rotateEvery: 86_400_000,
  });
  await engine.set("a", "two");
  await engine.set("gone", "x", { ttlMs: 1 });
  await sleep(5);
  const meta = await engine.getMeta("a");
  const entry = await engine.getEntry("a");
  assert(meta !== null && entry !== null);
  const { value: _, ...withoutValue } = entry;
  assertEquals(meta, withoutValue);
  assertEquals([await engine.getMeta("gone"), await engine.getMeta("none")], [
    null,
    null,
  ]);
});
