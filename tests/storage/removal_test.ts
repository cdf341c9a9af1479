/**
 * What the engine removes is gone from the vault files: each removal path
 * is followed by carving `store.db` and `store.db-wal` as an attacker with
 * a copy taken after the removal would, looking for any 16-byte piece of
 * the removed ciphertexts (a wrapped data key, a value sealed under the
 * data key). AES-GCM needs the whole ciphertext and its tag, so a blob none
 * of whose pieces survives opens for no key: not the removed passphrase,
 * not the old data key, not a key slot added later.
 *
 * A removed value is checked after a key slot is added, as the later key
 * holder's copy would be taken: SQLite can keep old copies of a live
 * cell in a rebuilt page's unallocated space, which only the rewrite that
 * every slot change runs reaches (docs/security.md, "Removal").
 */

import { assert, assertEquals } from "../_assert.ts";
import { join } from "node:path";
import type { SecretsEngine } from "../../mod.ts";
import { openEngine, rawSql, runCommand, tempDir } from "../_helpers.ts";
import { ageKey } from "../_keys.ts";

const PIECE = 16;

/** Every blob of a column, read with raw SQL as an attacker would. */
function blobs(dir: string, sql: string): Uint8Array[] {
  return rawSql(
    dir,
    (db) =>
      db.prepare(sql).all().map((row) => Object.values(row)[0] as Uint8Array),
  );
}

function valueBlobs(dir: string): Uint8Array[] {
  return [
    ...blobs(dir, "SELECT value FROM entries"),
    ...blobs(dir, "SELECT value FROM history"),
  ];
}

function fileBytes(path: string): Uint8Array {
  try {
    return Deno.readFileSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return new Uint8Array();
    throw error;
  }
}

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  const first = needle[0];
  for (
    let i = haystack.indexOf(first);
    i !== -1 && i <= haystack.length - needle.length;
    i = haystack.indexOf(first, i + 1)
  ) {
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) return true;
  }
  return false;
}

/** How many of `removed` still have a piece in the vault's files. */
function carve(dir: string, removed: readonly Uint8Array[]): number {
  const vault = join(dir, "vault");
  const files = ["store.db", "store.db-wal"].map((name) =>
    fileBytes(join(vault, name))
  );
  return removed.filter((blob) => {
    for (let at = 0; at + PIECE <= blob.length; at += PIECE) {
      const piece = blob.subarray(at, at + PIECE);
      if (files.some((file) => contains(file, piece))) return true;
    }
    return false;
  }).length;
}

/** Blobs in `before` that are not in `after`: what an operation removed. */
function gone(
  before: readonly Uint8Array[],
  after: readonly Uint8Array[],
): Uint8Array[] {
  const kept = new Set(after.map((blob) => blob.toString()));
  return before.filter((blob) => !kept.has(blob.toString()));
}

/** A vault with enough rows that pages fill, split and free. */
async function filled(engine: SecretsEngine): Promise<void> {
  const entries = Array.from(
    { length: 200 },
    (_, i) => [`svc${i}.token`, `value ${i} `.repeat(8)] as const,
  );
  await engine.setMany(entries);
  // Values over a page spill into overflow pages, freed whole on removal.
  await engine.set("svc7.token", "pem ".repeat(3000));
  await engine.set("svc10.token", "pem ".repeat(3000));
  for (let round = 0; round < 3; round++) {
    await engine.setMany(
      entries.slice(0, 50).map(([name]) =>
        [name, `round ${round} of ${name}`.repeat(4)] as const
      ),
    );
  }
}

async function removalLeavesNothing(
  operation: (engine: SecretsEngine) => Promise<unknown>,
  options: { historyLimit?: number } = {},
): Promise<void> {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  if (options.historyLimit !== undefined) {
    await engine.setHistoryLimit(options.historyLimit);
  }
  await filled(engine);
  const before = valueBlobs(dir.path);
  await operation(engine);
  const removed = gone(before, valueBlobs(dir.path));
  assert(removed.length > 0, "the operation removed no value");
  const wal = join(dir.path, "vault", "store.db-wal");
  assertEquals(fileBytes(wal).length, 0, "the removal is still in the WAL");
  await engine.addKey({ label: "a later key holder" });
  assertEquals(carve(dir.path, removed), 0, "a removed value is carvable");
}

Deno.test("carving finds a value that is still stored", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  await filled(engine);
  assertEquals(carve(dir.path, valueBlobs(dir.path).slice(0, 5)), 5);
});

Deno.test("a deleted value is gone from the files", () =>
  removalLeavesNothing((engine) => engine.delete("svc7.token")));

Deno.test("values deleteMany removes are gone from the files", () =>
  removalLeavesNothing((engine) =>
    engine.deleteMany(["svc1.token", "svc2.token", "svc120.token"])
  ));

Deno.test("versions a lower history limit drops are gone from the files", () =>
  removalLeavesNothing((engine) => engine.setHistoryLimit(1)));

Deno.test("the version a set prunes past the limit is gone from the files", () =>
  removalLeavesNothing(
    (engine) => engine.set("svc3.token", "one more"),
    { historyLimit: 2 },
  ));

Deno.test("the value a set replaces with no history kept is gone", () =>
  removalLeavesNothing(
    (engine) => engine.set("svc150.token", "replaced"),
    { historyLimit: 0 },
  ));

Deno.test("the version a revert prunes past the limit is gone from the files", () =>
  removalLeavesNothing(
    (engine) => engine.revert("svc4.token", 3),
    { historyLimit: 2 },
  ));

Deno.test("purged expired values are gone from the files", () =>
  removalLeavesNothing(async (engine) => {
    await engine.set("svc9.token", "short-lived", { ttlMs: 1 });
    await engine.set("svc10.token", "short-lived too", { ttlMs: 1 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    assertEquals(await engine.purgeExpired(), 2);
  }));

Deno.test("a removed key slot leaves no piece of its wrapped key", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  await filled(engine);
  const slot = await engine.addPassphrase("contractor passphrase", {
    label: "contractor",
  });
  await engine.set("after.add", "x");
  const wrapped = blobs(
    dir.path,
    "SELECT wrapped FROM slots WHERE kind = 'passphrase'",
  );
  assertEquals(wrapped.length, 1);
  await engine.removeSlot(slot.id);
  for (let i = 0; i < 51; i++) await engine.set(`later${i}`, `v${i}`);
  assertEquals(carve(dir.path, wrapped), 0);
});

Deno.test("after rotate no old wrapped key and no cell sealed under the old data key remains", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  await filled(engine);
  await engine.addPassphrase("contractor passphrase");
  const oldSlots = blobs(dir.path, "SELECT wrapped FROM slots");
  const oldNames = blobs(dir.path, "SELECT name FROM entries");
  const oldValues = valueBlobs(dir.path);
  const { removed } = await engine.rotate();
  assertEquals(removed.length, 1);
  assertEquals(carve(dir.path, oldSlots), 0, "an old wrapped key remains");
  assertEquals(carve(dir.path, oldNames), 0, "an old name cell remains");
  assertEquals(carve(dir.path, oldValues), 0, "an old value cell remains");
  assertEquals(
    await engine.get("svc3.token"),
    "round 2 of svc3.token".repeat(4),
  );
});

Deno.test("after rotate no annotation, exposure mark or merge base sealed under the old data key remains", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  await filled(engine);
  for (let i = 0; i < 50; i++) {
    await engine.setMeta(`svc${i}.token`, { note: `owner ${i} `.repeat(8) });
  }
  const repo = join(dir.path, "repo");
  await runCommand("git", ["init", "-q", repo]);
  await engine.setRemote(`git:${join(repo, ".secrets")}`);
  await engine.sync();
  const member = await ageKey(dir.path, "contractor.key");
  await engine.addMember(member.recipient, { label: "contractor" });
  await engine.removeMember("contractor");
  const sealed = [
    ...blobs(dir.path, "SELECT sealed FROM annotations"),
    ...blobs(dir.path, "SELECT sealed FROM exposures"),
    ...blobs(dir.path, "SELECT sealed FROM replica"),
  ];
  assertEquals(sealed.length, 50 + 200 + 201);
  await engine.rotate();
  assertEquals(carve(dir.path, sealed), 0, "an old sealed cell remains");
  assertEquals(
    (await engine.getMeta("svc3.token"))?.note,
    "owner 3 ".repeat(8),
  );
});
