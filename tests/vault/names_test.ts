import { assertEquals, assertRejects } from "../_assert.ts";
import { join } from "node:path";
import { DecryptionError, IntegrityError } from "../../mod.ts";
import { openEngine, rawSql, tempDir } from "../_helpers.ts";

const PAGE = 4096;

function manySecrets(count: number): Record<string, string> {
  return Object.fromEntries(
    Array.from({ length: count }, (_, i) => [`svc${i}.token`, `v${i}`]),
  );
}

// Node:sqlite's iterate() ended silently at a damaged page,
// so size, keys() and has() missed secrets and close() sealed the damage.
Deno.test("iterate short read: a damaged page is an IntegrityError, never a smaller vault, and is not sealed", async () => {
  await using dir = await tempDir();
  const vault = join(dir.path, "vault");
  {
    await using engine = await openEngine(dir.path);
    await engine.setMany(manySecrets(3000));
  }
  const seal = await Deno.readFile(join(vault, "meta.json"));
  // Nothing is read through the engine before the damage: SQLite would
  // serve the pages from its cache.
  const engine = await openEngine(dir.path);
  const file = await Deno.open(join(vault, "store.db"), { write: true });
  await file.seek(PAGE * 20, Deno.SeekMode.Start);
  await file.write(new Uint8Array(PAGE).fill(0x41));
  file.close();
  await assertRejects(() => engine.keys(), IntegrityError);
  await assertRejects(() => engine.has("svc2999.token"), IntegrityError);
  await assertRejects(
    () => Promise.resolve().then(() => engine.size),
    IntegrityError,
  );
  await engine.close();
  assertEquals(await Deno.readFile(join(vault, "meta.json")), seal);
  await assertRejects(() => openEngine(dir.path), IntegrityError);
});

// An exception while iterating left the statement open,
// freezing the engine's view and blocking every checkpoint (the WAL grew to
// 50 MiB).
Deno.test("exception in keys: after a DecryptionError the engine still sees writes and blocks no checkpoint", async () => {
  await using dir = await tempDir();
  const vault = join(dir.path, "vault");
  const writer = await openEngine(dir.path);
  await writer.setMany({ "a.one": "1", "a.two": "2", "a.three": "3" });
  const reader = await openEngine(dir.path);
  rawSql(dir.path, (db) => {
    const rows = db.prepare("SELECT name_hash, name FROM entries").all();
    db.prepare("UPDATE entries SET name = ? WHERE name_hash = ?").run(
      rows[0].name as Uint8Array,
      rows[1].name_hash as string,
    );
  });
  await assertRejects(() => reader.keys(), DecryptionError);
  await writer.setMany(manySecrets(200));
  assertEquals(reader.size, 203);
  await writer.close();
  assertEquals((await Deno.stat(join(vault, "store.db-wal"))).size, 0);
  await reader.close();
});
