import { assert, assertEquals, assertFalse, assertThrows } from "../_assert.ts";
import { join } from "node:path";
import {
  BusyError,
  InitializationError,
  IntegrityError,
} from "../../src/errors.ts";
import { openStore } from "../../src/storage/store.ts";
import { newStore, tempDir } from "../_helpers.ts";

Deno.test("a store runs in WAL mode with durable commits", async () => {
  await using dir = await tempDir();
  const store = newStore(dir.path);
  assertEquals(store.prepare("PRAGMA journal_mode").get()?.journal_mode, "wal");
  assertEquals(store.prepare("PRAGMA synchronous").get()?.synchronous, 2);
  assertEquals(store.prepare("PRAGMA temp_store").get()?.temp_store, 2);
  store.close();
  store.close();
});

Deno.test("transaction commits on return and rolls back on throw", async () => {
  await using dir = await tempDir();
  const store = newStore(dir.path);
  store.exec("CREATE TABLE t (x)");
  const insert = store.prepare("INSERT INTO t VALUES (?)");
  store.transaction(() => insert.run(1));
  assertThrows(() =>
    store.transaction(() => {
      insert.run(2);
      throw new Error("stop");
    }), /stop/);
  assertEquals(
    store.prepare("SELECT x FROM t").all().map((r) => r.x),
    [1],
  );
  store.close();
});

Deno.test("a writer that waits past the timeout gets BusyError", async () => {
  await using dir = await tempDir();
  const holder = newStore(dir.path);
  const waiter = newStore(dir.path, 50);
  holder.exec("CREATE TABLE t (x)");
  holder.exec("BEGIN IMMEDIATE");
  assertThrows(() => waiter.transaction(() => 0), BusyError);
  holder.exec("COMMIT");
  assertEquals(waiter.transaction(() => 1), 1);
  holder.close();
  waiter.close();
});

Deno.test("dataVersion moves only for other connections' commits", async () => {
  await using dir = await tempDir();
  const a = newStore(dir.path);
  const b = newStore(dir.path);
  a.exec("CREATE TABLE t (x)");
  const seen = b.dataVersion();
  const own = a.dataVersion();
  a.transaction(() => a.prepare("INSERT INTO t VALUES (1)").run());
  assertEquals(a.dataVersion(), own);
  assert(b.dataVersion() !== seen);
  a.close();
  b.close();
});

Deno.test("checkpoint reports whether the WAL was emptied", async () => {
  await using dir = await tempDir();
  const a = newStore(dir.path);
  const b = newStore(dir.path);
  a.exec("CREATE TABLE t (x)");
  a.transaction(() => a.prepare("INSERT INTO t VALUES (1)").run());
  assert(a.checkpoint());
  assertEquals(Deno.statSync(join(dir.path, "store.db-wal")).size, 0);
  a.transaction(() => a.prepare("INSERT INTO t VALUES (2)").run());
  b.snapshot(() => {
    b.prepare("SELECT * FROM t").get();
    assertFalse(a.checkpoint());
  });
  a.close();
  b.close();
});

Deno.test("a file that is not a database is an IntegrityError", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(join(dir.path, "store.db"), "x".repeat(4096), {
    mode: 0o600,
  });
  assertThrows(() => newStore(dir.path), IntegrityError);
});

Deno.test("a database SQLite cannot open for writing is an InitializationError", async () => {
  await using dir = await tempDir();
  assertThrows(
    () =>
      openStore(join(dir.path, "missing", "store.db"), { busyTimeoutMs: 10 }),
    (error: unknown) =>
      error instanceof InitializationError &&
      error.message.includes("writable"),
  );
});
