import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { join } from "node:path";
import {
  IntegrityError,
  KeyNotFoundError,
  MAX_VALUE_BYTES,
  SecretsEngine,
  ValidationError,
} from "../../mod.ts";
import {
  historyRows,
  openEngine,
  rawSql,
  sleep,
  tempDir,
} from "../_helpers.ts";

/** Reopens with the seal gone, so the open verifies every row. */
async function verifyInFull(dir: string): Promise<void> {
  await Deno.remove(join(dir, "vault", "meta.json"));
  await (await openEngine(dir)).close();
}

Deno.test("a value that is neither a string nor a Uint8Array is a ValidationError, and nothing is written", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  await engine.set("kept", "v1");
  const bad: unknown[] = [
    new ArrayBuffer(4),
    new DataView(new ArrayBuffer(4)),
    new Uint16Array(2),
    [1, 2],
    { length: 1 },
    42,
    null,
    new Uint8Array(MAX_VALUE_BYTES + 1),
  ];
  for (const value of bad) {
    await assertRejects(
      () => engine.set("kept", value as string),
      ValidationError,
    );
    await assertRejects(
      () => engine.setMany({ other: "x", kept: value as string }),
      ValidationError,
    );
  }
  assertEquals(await engine.keys(), ["kept"]);
  assertEquals((await engine.history("kept")).length, 1);
});

Deno.test("expiry options: bad ones are a ValidationError and write nothing", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  await engine.set("k", "v");
  const bad: [unknown, RegExp][] = [
    [{ ttlMs: 0 }, /ttlMs/],
    [{ ttlMs: -5 }, /ttlMs/],
    [{ ttlMs: 1.5 }, /ttlMs/],
    [{ ttlMs: NaN }, /ttlMs/],
    [{ ttlMs: "1d" }, /ttlMs/],
    [{ ttlMs: Number.MAX_SAFE_INTEGER }, /not a valid time/],
    [{ expiresAt: new Date("not a date") }, /not a valid time/],
    [{ expiresAt: Date.now() - 1 }, /in the future/],
    [{ expiresAt: "2030-01-01" }, /Date or milliseconds/],
    [{ expiresAt: Date.now() + 1000, ttlMs: 1000 }, /not both/],
    ["tomorrow", /options must be an object/],
  ];
  for (const [options, message] of bad) {
    const error = await assertRejects(
      () => engine.set("k", "new", options as never),
      ValidationError,
    );
    assert(message.test(error.message), `${error.message} ~ ${message}`);
  }
  assertEquals((await engine.getEntry("k"))?.value, "v");
  assertEquals((await engine.history("k")).length, 1);
});

Deno.test("every overwrite keeps the previous value as a numbered version, within the limit", async () => {
  await using dir = await tempDir();
  await using engine = await SecretsEngine.open({
    path: join(dir.path, "vault"),
    historyLimit: 3,
  });
  for (let i = 1; i <= 6; i++) await engine.set("db.password", `p${i}`);
  const versions = await engine.history("db.password");
  assertEquals(versions.map((v) => v.version), [6, 5, 4, 3]);
  assertEquals((await engine.getEntry("db.password"))?.version, 6);
  assertEquals((await engine.getVersion("db.password", 4))?.value, "p4");
  assertEquals((await engine.getVersion("db.password", 6))?.value, "p6");
  assertEquals(await engine.getVersion("db.password", 2), null);
  assertEquals(await engine.getVersion("missing", 1), null);
  for (const version of [0, -1, 1.5, NaN, "1"]) {
    await assertRejects(
      () => engine.getVersion("db.password", version as number),
      ValidationError,
    );
  }
});

Deno.test("revert makes an old value current as a new version; an unknown or pruned version is refused", async () => {
  await using dir = await tempDir();
  await using engine = await SecretsEngine.open({
    path: join(dir.path, "vault"),
    historyLimit: 2,
  });
  await engine.set("key", new Uint8Array([1]));
  await engine.set("key", "text now");
  await engine.set("key", "typo");
  await engine.set("key", "typo 2");
  assertEquals(await engine.revert("key", 3), 5);
  assertEquals(await engine.get("key"), "typo");
  assertEquals((await engine.history("key")).map((v) => v.version), [5, 4, 3]);
  const pruned = await assertRejects(
    () => engine.revert("key", 1),
    KeyNotFoundError,
  );
  assert(/pruned/.test(pruned.message), pruned.message);
  await assertRejects(() => engine.revert("key", 99), KeyNotFoundError);
  await assertRejects(() => engine.revert("nothing", 1), KeyNotFoundError);
  await assertRejects(() => engine.revert("key", 0), ValidationError);
  assertEquals((await engine.getEntry("key"))?.version, 5);
  // A bytes version comes back as bytes.
  await engine.set("bin", new Uint8Array([7]));
  await engine.set("bin", "text");
  await engine.revert("bin", 1);
  assertEquals(await engine.getBytes("bin"), new Uint8Array([7]));
});

Deno.test("revert keeps the version's expiry, refuses one that has passed, and takes a new one", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  await engine.set("token", "t1", { ttlMs: 20 });
  await engine.set("token", "t2");
  await sleep(30);
  await assertRejects(() => engine.revert("token", 1), ValidationError);
  assertEquals(await engine.revert("token", 1, { ttlMs: 60_000 }), 3);
  assertEquals(await engine.get("token"), "t1");
  await engine.set("token", "t4");
  await engine.revert("token", 3);
  assert((await engine.getEntry("token"))?.expiresAt !== null);
});

Deno.test("setHistoryLimit prunes at once; 0 keeps none; bad limits are refused", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  assertEquals((await engine.info()).historyLimit, 10);
  for (let i = 0; i < 12; i++) await engine.setMany({ a: `${i}`, b: `${i}` });
  assertEquals(historyRows(dir.path), 20);
  await engine.setHistoryLimit(2);
  assertEquals(historyRows(dir.path), 4);
  assertEquals((await engine.history("a")).map((v) => v.version), [12, 11, 10]);
  await engine.setHistoryLimit(0);
  await engine.set("a", "no history");
  assertEquals(historyRows(dir.path), 0);
  assertEquals((await engine.getEntry("a"))?.version, 13);
  for (const limit of [-1, 1.5, 1001, "3"]) {
    await assertRejects(
      () => engine.setHistoryLimit(limit as number),
      ValidationError,
    );
    await assertRejects(
      () =>
        SecretsEngine.open({
          path: join(dir.path, "other"),
          historyLimit: limit as number,
        }),
      ValidationError,
    );
  }
  assertEquals((await engine.info()).historyLimit, 0);
  await engine.close();
  await verifyInFull(dir.path);
});

Deno.test("delete removes the entry and its whole history", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  for (const value of ["1", "2", "3"]) await engine.set("gone", value);
  await engine.set("kept", "k");
  assertEquals(await engine.delete("gone"), true);
  assertEquals(historyRows(dir.path), 0);
  assertEquals(await engine.history("gone"), []);
  assertEquals(await engine.getVersion("gone", 1), null);
  await engine.set("gone", "fresh");
  assertEquals((await engine.getEntry("gone"))?.version, 1);
  await engine.close();
  await verifyInFull(dir.path);
});

Deno.test("history rows and the history limit are covered by the integrity accumulator", async (t) => {
  const changes: [string, string][] = [
    ["a deleted version", "DELETE FROM history WHERE version = 1"],
    ["an edited version time", "UPDATE history SET updated = updated + 1"],
    [
      "an added version",
      "INSERT INTO history SELECT name_hash, 9, value, kind, expires, updated " +
      "FROM history WHERE version = 1",
    ],
    [
      "a changed history limit",
      "UPDATE meta SET value = CAST('0' AS BLOB) WHERE key = 'history_limit'",
    ],
    ["a changed expiry", "UPDATE entries SET expires = 1"],
  ];
  for (const [what, sql] of changes) {
    await t.step(what, async () => {
      await using dir = await tempDir();
      {
        await using engine = await openEngine(dir.path);
        await engine.set("a", "1");
        await engine.set("a", "2");
      }
      rawSql(dir.path, (db) => db.exec(sql));
      await assertRejects(() => openEngine(dir.path), IntegrityError);
    });
  }
});

Deno.test("expiry and reverts are seen by this engine's index and by another engine", async () => {
  await using dir = await tempDir();
  await using a = await openEngine(dir.path);
  await using b = await openEngine(dir.path);
  await a.set("x", "1", { ttlMs: 30 });
  assertEquals(await b.has("x"), true);
  await sleep(40);
  assertEquals([await a.has("x"), await b.has("x")], [false, false]);
  assertEquals(await b.keys(undefined, { expired: true }), ["x"]);
  assertEquals(await a.revert("x", 1, { ttlMs: 60_000 }), 2);
  assertEquals([await a.has("x"), await b.has("x")], [true, true]);
  assertEquals([a.size, b.size], [1, 1]);
  assertEquals(await b.get("x"), "1");
});

Deno.test("setMany with a name given twice writes one version, the last value", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  await engine.setMany([["k", "first"], ["other", "o"], ["k", "last"]]);
  assertEquals(await engine.get("k"), "last");
  assertEquals((await engine.history("k")).length, 1);
  assertEquals(historyRows(dir.path), 0);
});

// `getVersion` returned an expired value that get hid.

Deno.test("setHistoryLimit prunes in batches that let the event loop run, and leaves the vault verified", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "vault");
  {
    await using engine = await openEngine(dir.path);
    await engine.setHistoryLimit(60);
    const names = Array.from({ length: 50 }, (_, i) => `svc${i}`);
    for (let round = 0; round < 61; round++) {
      await engine.setMany(names.map((name) => [name, `${round}`] as const));
    }
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    await engine.setHistoryLimit(2);
    clearInterval(timer);
    assert(ticks > 0, "the prune never yielded");
    assertEquals(
      (await engine.history("svc7")).map((v) => v.version),
      [61, 60, 59],
    );
  }
  await Deno.remove(join(path, "meta.json"));
  await using engine = await SecretsEngine.open({ path });
  assertEquals((await engine.info()).historyLimit, 2);
  assertEquals(await engine.get("svc49"), "60");
});

// In 0.3, setting the value a secret already holds wrote a new
// version, so re-importing an unchanged .env pushed real old values out.
Deno.test("an unchanged value and expiry writes nothing; a changed kind or expiry writes a version", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  await engine.set("a", "one");
  await engine.set("a", "two");
  const before = await engine.getEntry("a");
  for (let i = 0; i < 3; i++) await engine.set("a", "two");
  await engine.setMany({ a: "two" });
  assertEquals((await engine.history("a")).map((v) => v.version), [2, 1]);
  assertEquals((await engine.getEntry("a"))?.updated, before?.updated);
  assertEquals(historyRows(dir.path), 1);
  await engine.set("a", new TextEncoder().encode("two"));
  assertEquals((await engine.getEntry("a"))?.version, 3);
  await engine.set("a", "two", { ttlMs: 60_000 });
  assertEquals((await engine.getEntry("a"))?.version, 4);
  await engine.set("a", "two");
  assertEquals((await engine.getEntry("a"))?.version, 5);
  assertEquals(await engine.get("a"), "two");
});

Deno.test("set and setMany with overwrite: false refuse held names, all listed, and write nothing", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  await engine.setMany({ a: "1", b: "2" });
  const error = await assertRejects(
    () => engine.setMany({ a: "x", b: "y", c: "3" }, { overwrite: false }),
    ValidationError,
  );
  assert(/already holds "a", "b"/.test(error.message), error.message);
  assertEquals([await engine.get("a"), await engine.has("c")], ["1", false]);
  await engine.set("c", "3", { overwrite: false });
  assertEquals(await engine.get("c"), "3");
  await assertRejects(
    // @ts-expect-error: a caller without types may pass anything.
    () => engine.set("d", "4", { overwrite: "no" }),
    ValidationError,
  );
});
