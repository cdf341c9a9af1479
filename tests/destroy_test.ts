import { assert, assertEquals, assertRejects } from "./_assert.ts";
import { join } from "node:path";
import {
  ClosedError,
  SecretsEngine,
  SecretsEngineError,
  VaultNotFoundError,
} from "../mod.ts";
import { markDestroyed } from "../src/storage/entries.ts";
import { openStore } from "../src/storage/store.ts";
import { openVault, tempDir } from "./_helpers.ts";

// Issue #9, item 3: another engine kept acknowledging writes into the
// deleted files and reading destroyed data.
Deno.test("destroy while open elsewhere: the other engine's next call fails, nothing is acknowledged", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "vault");
  const other = await openVault(dir.path);
  await other.set("a", "1");
  const destroyer = await openVault(dir.path);
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
      const other = await openVault(dir.path);
      await other.set("a", "1");
      await (await openVault(dir.path)).destroy();
      await assertRejects(() => call(other), ClosedError);
      await other.close();
    });
  }
});

Deno.test("destroy racing open and a second destroy: only engine errors, never a raw one", async () => {
  for (let round = 0; round < 5; round++) {
    await using dir = await tempDir();
    const first = await openVault(dir.path);
    const second = await openVault(dir.path);
    await first.set("a", "1");
    const results = await Promise.allSettled([
      first.destroy(),
      second.destroy(),
      openVault(dir.path).then((engine) => engine.close()),
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
  ".keyfile",
  "meta.json",
  "store.db-wal",
  "store.db-shm",
  "store.db",
];

// Issue #9, item 11: the keyfile went first and nothing marked the vault, so
// an interrupted destroy left a vault that neither opened nor destroyed.
Deno.test("interrupted destroy: at every step, the next open finishes it and finds no vault", async (t) => {
  for (let removed = 0; removed <= REMOVAL_ORDER.length; removed++) {
    await t.step(`after removing ${removed} file(s)`, async () => {
      await using dir = await tempDir();
      const path = join(dir.path, "vault");
      {
        await using engine = await openVault(dir.path);
        await engine.set("secret", "value");
      }
      const store = openStore(join(path, "store.db"), { busyTimeoutMs: 100 });
      store.transaction(() => markDestroyed(store));
      store.exec("PRAGMA wal_checkpoint(TRUNCATE)");
      store.close();
      for (const name of REMOVAL_ORDER.slice(0, removed)) {
        await Deno.remove(join(path, name)).catch(() => {});
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
