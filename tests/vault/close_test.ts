import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { join } from "node:path";
import {
  ClosedError,
  InitializationError,
  IntegrityError,
  KeyMismatchError,
  SecretsEngine,
  SecretsEngineError,
  SecurityError,
  ValidationError,
  VaultNotFoundError,
} from "../../mod.ts";
import { closeVault } from "../../src/vault/close.ts";
import { openVault } from "../../src/vault/open.ts";
import { markDestroyed } from "../../src/storage/entry_table.ts";
import { destroyedMac } from "../../src/storage/macs.ts";
import { openEngine, rawSql, tempDir } from "../_helpers.ts";

// Another engine kept acknowledging writes into the
// deleted files and reading destroyed data.
Deno.test("destroy while open elsewhere: the other engine's next call fails, nothing is acknowledged", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "vault");
  const other = await openEngine(dir.path);
  await other.set("a", "1");
  const destroyer = await openEngine(dir.path);
  await destroyer.destroy();
  const error = await assertRejects(() => other.set("b", "2"), ClosedError);
  assert(/destroyed/.test(error.message));
  await assertRejects(() => other.get("a"), ClosedError);
  await assertRejects(() => other.has("a"), ClosedError);
  await assertRejects(() => other.keys(), ClosedError);
  await assertRejects(() => other.destroy(), ClosedError);
  await other.close();
  await assertRejects(
    () => SecretsEngine.open({ path, create: false }),
    VaultNotFoundError,
  );
});

Deno.test("destroy while open elsewhere: each kind of call is the first to notice", async (t) => {
  const calls: [string, (engine: SecretsEngine) => Promise<unknown>][] = [
    ["get", (e) => e.get("a")],
    ["getOrThrow", (e) => e.getOrThrow("a")],
    ["has", (e) => e.has("a")],
    ["size", (e) => Promise.resolve(e.size)],
    ["keys", (e) => e.keys()],
    ["info", (e) => e.info()],
    ["set", (e) => e.set("b", "2")],
    ["deleteMany", (e) => e.deleteMany(["a"])],
    ["destroy", (e) => e.destroy()],
  ];
  for (const [name, call] of calls) {
    await t.step(name, async () => {
      await using dir = await tempDir();
      const other = await openEngine(dir.path);
      await other.set("a", "1");
      await (await openEngine(dir.path)).destroy();
      await assertRejects(() => call(other), ClosedError);
      await other.close();
    });
  }
});

Deno.test("destroy racing open and a second destroy: only engine errors, never a raw one", async () => {
  for (let round = 0; round < 5; round++) {
    await using dir = await tempDir();
    const first = await openEngine(dir.path);
    const second = await openEngine(dir.path);
    await first.set("a", "1");
    const results = await Promise.allSettled([
      first.destroy(),
      second.destroy(),
      openEngine(dir.path).then((engine) => engine.close()),
    ]);
    for (const result of results) {
      if (result.status === "rejected") {
        assert(
          result.reason instanceof SecretsEngineError,
          String(result.reason),
        );
      }
    }
    await first.close();
    await second.close();
  }
});

const REMOVAL_ORDER = [
  "meta.json",
  "store.db-wal",
  "store.db-shm",
  "store.db",
  ".keyfile",
];

/** Empties and marks a vault destroyed as `destroy()` does, then stops. */
async function markOnly(path: string): Promise<void> {
  const vault = await openVault({ path });
  vault.store.transaction(() =>
    markDestroyed(vault.store, destroyedMac(vault.keys))
  );
  vault.store.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  closeVault(vault);
}

// The keyfile went first and nothing marked the vault, so
// an interrupted destroy left a vault that neither opened nor destroyed.
Deno.test("interrupted destroy: at every step, the next open or destroyVault finishes it", async (t) => {
  for (let removed = 0; removed <= REMOVAL_ORDER.length; removed++) {
    await t.step(`after removing ${removed} file(s)`, async () => {
      await using dir = await tempDir();
      const path = join(dir.path, "vault");
      {
        await using engine = await openEngine(dir.path);
        await engine.set("secret", "value");
      }
      await markOnly(path);
      for (const name of REMOVAL_ORDER.slice(0, removed)) {
        await Deno.remove(join(path, name)).catch(() => {});
      }
      if (removed === REMOVAL_ORDER.indexOf(".keyfile")) {
        // The keyfile alone opens nothing, and only an explicit removal
        // deletes it: a store.db restored from a backup would need it.
        await assertRejects(
          () => SecretsEngine.open({ path }),
          InitializationError,
        );
        assertEquals(await SecretsEngine.destroyVault({ path }), true);
      }
      await assertRejects(
        () => SecretsEngine.open({ path, create: false }),
        VaultNotFoundError,
      );
      await using engine = await SecretsEngine.open({ path });
      assertEquals(engine.size, 0);
      await engine.destroy();
    });
  }
});

// One planted meta row made open() delete the vault.
Deno.test("a planted destroyed marker deletes nothing: open refuses, recover reads everything", async () => {
  for (const value of [new Uint8Array([1]), new Uint8Array(32).fill(9)]) {
    await using dir = await tempDir();
    const path = join(dir.path, "vault");
    const other = await openEngine(dir.path);
    await other.setMany({ "db.password": "hunter2", "api.key": "sk-1" });
    rawSql(
      dir.path,
      (db) =>
        db.prepare("INSERT INTO meta (key, value) VALUES ('destroyed', ?)")
          .run(value),
    );
    const error = await assertRejects(
      () => SecretsEngine.open({ path }),
      IntegrityError,
    );
    assert(/marker .* nothing was deleted/.test(error.message), error.message);
    await assertRejects(() => other.get("missing"), IntegrityError);
    await other.close();
    for (const file of [".keyfile", "store.db"]) {
      assert((await Deno.stat(join(path, file))).isFile, file);
    }
    await using engine = await SecretsEngine.open({ path, recover: true });
    assert(engine.recovery?.problems.some((p) => /marker/.test(p)));
    assertEquals(await engine.get("db.password"), "hunter2");
    assertEquals(await engine.get("api.key"), "sk-1");
  }
});

Deno.test("a destroy by 0.2 that was interrupted is refused with the way to finish it", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "vault");
  {
    await using engine = await openEngine(dir.path);
    await engine.set("secret", "value");
  }
  rawSql(dir.path, (db) =>
    db.exec(
      "DELETE FROM entries; DELETE FROM history; DELETE FROM slots; " +
        "DELETE FROM meta WHERE key <> 'format'; " +
        "INSERT INTO meta (key, value) VALUES ('destroyed', x'01')",
    ));
  const error = await assertRejects(
    () => SecretsEngine.open({ path }),
    IntegrityError,
  );
  assert(/destroyVault/.test(error.message), error.message);
  assertEquals(await SecretsEngine.destroyVault({ path }), true);
  await assertRejects(
    () => SecretsEngine.open({ path, create: false }),
    VaultNotFoundError,
  );
});

// A vault whose keyfile is lost, with no other slot,
// could not be destroyed.
Deno.test("destroyVault removes a vault that cannot be unlocked, wiping it, and only the engine's files", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "vault");
  {
    await using engine = await openEngine(dir.path);
    await engine.set("secret", "value");
  }
  await Deno.remove(join(path, ".keyfile"));
  await assertRejects(() => SecretsEngine.open({ path }), KeyMismatchError);
  await Deno.writeTextFile(join(path, "notes.txt"), "mine");
  assertEquals(await SecretsEngine.destroyVault({ path }), true);
  assertEquals(
    [...Deno.readDirSync(path)].map((entry) => entry.name),
    ["notes.txt"],
  );
  assertEquals(await SecretsEngine.destroyVault({ path }), false);
  assertEquals(
    await SecretsEngine.destroyVault({ path: join(dir.path, "none") }),
    false,
  );
  await assertRejects(
    () => SecretsEngine.destroyVault({ path: "" }),
    ValidationError,
  );
});

Deno.test("destroyVault refuses a vault file that is a symlink, and removes nothing", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "vault");
  await (await openEngine(dir.path)).close();
  const elsewhere = join(dir.path, "elsewhere.db");
  await Deno.rename(join(path, "store.db"), elsewhere);
  await Deno.symlink(elsewhere, join(path, "store.db"));
  await assertRejects(
    () => SecretsEngine.destroyVault({ path }),
    SecurityError,
  );
  assert((await Deno.stat(join(path, ".keyfile"))).isFile);
  assert((await Deno.stat(elsewhere)).size > 0);
});

// The engine dropped its keys without zeroing them.
Deno.test("nothing wiped: closing zeroes every sub-key the engine held", async () => {
  await using dir = await tempDir();
  const vault = await openVault({ path: join(dir.path, "vault") });
  const keys: Uint8Array[] = Object.values(vault.keys);
  assert(keys.every((key) => key.some((byte: number) => byte !== 0)));
  closeVault(vault);
  assert(keys.every((key) => key.every((byte: number) => byte === 0)));
});
