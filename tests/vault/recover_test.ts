import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { join } from "node:path";
import {
  DecryptionError,
  IntegrityError,
  SecretsEngine,
  ValidationError,
  VaultNotFoundError,
} from "../../mod.ts";
import {
  canMount,
  copyFixture,
  copyVault,
  openEngine,
  rawSql,
  tempDir,
  tmpfs,
} from "../_helpers.ts";

/** A vault of three secrets whose `bad` value was swapped for another's. */
async function tamperedVault(dir: string): Promise<string> {
  {
    await using engine = await openEngine(dir);
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
    await using engine = await openEngine(dir.path);
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

Deno.test("recover: a changed schema is reported, not refused, and a missing vault is not created", async () => {
  await using dir = await tempDir();
  {
    await using engine = await openEngine(dir.path);
    await engine.setMany({ a: "1", b: "2" });
  }
  rawSql(dir.path, (db) =>
    db.exec(
      "CREATE TRIGGER spy AFTER UPDATE ON entries BEGIN SELECT 1; END",
    ));
  const path = join(dir.path, "vault");
  await assertRejects(() => SecretsEngine.open({ path }), IntegrityError);
  {
    await using engine = await SecretsEngine.open({ path, recover: true });
    assert(engine.recovery?.problems.some((p) => /schema/.test(p)));
    assertEquals(await engine.get("b"), "2");
  }
  const missing = join(dir.path, "missing");
  await assertRejects(
    () => SecretsEngine.open({ path: missing, recover: true }),
    VaultNotFoundError,
  );
  await assertRejects(
    () => SecretsEngine.open({ path: missing, recover: true, create: true }),
    ValidationError,
  );
});

for (
  const [fixture, format] of [["vault-0.1.0", 1], ["vault-format3", 3]] as const
) {
  Deno.test(`recover: a format ${format} vault is read as it is, not upgraded`, async () => {
    await using dir = await tempDir();
    const path = await copyFixture(dir.path, fixture);
    const secrets: Record<string, string> = JSON.parse(
      await Deno.readTextFile(
        new URL(`../fixtures/${fixture}.json`, import.meta.url),
      ),
    );
    const before = await Deno.readFile(join(path, "store.db"));
    {
      await using engine = await SecretsEngine.open({ path, recover: true });
      assertEquals(
        engine.recovery?.intact,
        true,
        engine.recovery?.problems.join(),
      );
      const info = await engine.info();
      assertEquals([info.format, info.historyLimit], [format, 0]);
      assertEquals(await engine.keys("**"), Object.keys(secrets).sort());
      for (const [name, value] of Object.entries(secrets)) {
        assertEquals(await engine.get(name), value);
        assertEquals((await engine.history(name)).length, 1);
      }
      assertEquals(
        (await engine.exportEntries()).entries.length,
        Object.keys(secrets).length,
      );
      await assertRejects(() => engine.set("new", "x"), ValidationError);
    }
    assertEquals(await Deno.readFile(join(path, "store.db")), before);
  });
}

Deno.test("recover: a damaged page is reported, and what can be read is listed and read", async () => {
  await using dir = await tempDir();
  const names = Array.from({ length: 3000 }, (_, i) => `svc${i}.token`);
  {
    await using engine = await openEngine(dir.path);
    await engine.setMany(
      names.map((name) => [name, `value of ${name}`] as const),
    );
  }
  const path = join(dir.path, "vault");
  const file = await Deno.open(join(path, "store.db"), { write: true });
  await file.seek(4096 * 20, Deno.SeekMode.Start);
  await file.write(new Uint8Array(4096).fill(0x41));
  file.close();
  await assertRejects(() => SecretsEngine.open({ path }), IntegrityError);
  await using engine = await SecretsEngine.open({ path, recover: true });
  assert(engine.recovery?.problems.some((p) => /damaged/.test(p)));
  const listed = await engine.keys();
  assert(listed.length < names.length, "the damage hid nothing?");
  for (const name of listed) {
    assertEquals(await engine.get(name), `value of ${name}`);
  }
});

/** SHA-256 of every file in `dir`, by name: what "changes no byte" is checked against. */
async function fingerprint(dir: string): Promise<Record<string, string>> {
  const sums: Record<string, string> = {};
  for await (const entry of Deno.readDir(dir)) {
    const bytes = await Deno.readFile(join(dir, entry.name));
    const digest = await crypto.subtle.digest("SHA-256", bytes);
    sums[entry.name] = new Uint8Array(digest).toString();
  }
  return sums;
}

const AFTER = ["after1", "after2", "after3", "after4", "after5"];

/**
 * A copy of a vault taken while its engine was writing, as a crash leaves
 * it: `victim` and then five acknowledged writes live only in the WAL.
 */
async function crashedVault(dir: string): Promise<string> {
  const crashed = join(dir, "crashed");
  {
    await using engine = await openEngine(dir);
    await engine.set("kept", "from before");
    await engine.close();
    await using writer = await openEngine(dir);
    await writer.set("victim", "v".repeat(300));
    for (const name of AFTER) await writer.set(name, `value of ${name}`);
    await copyVault(join(dir, "vault"), crashed);
  }
  return crashed;
}

/** Flips one byte inside `victim`'s ciphertext in the WAL. */
async function damageVictim(dir: string, vault: string): Promise<void> {
  const [victim] = rawSql(
    dir,
    (db) =>
      db.prepare("SELECT value FROM entries WHERE length(value) > 300").all(),
  );
  const needle = (victim.value as Uint8Array).subarray(0, 16);
  const walPath = join(vault, "store.db-wal");
  const wal = await Deno.readFile(walPath);
  const at = wal.findIndex((_, i) => needle.every((b, j) => wal[i + j] === b));
  assert(at > 0, "the victim's ciphertext is not in the WAL");
  wal[at + 100] ^= 1;
  await Deno.writeFile(walPath, wal);
}

Deno.test("recover reads what the WAL holds, also past a damaged frame, and changes no byte of any file", async () => {
  await using dir = await tempDir();
  const path = await crashedVault(dir.path);
  await damageVictim(dir.path, path);
  const files = await fingerprint(path);
  assert("store.db-wal" in files && "store.db-shm" in files);
  const error = await assertRejects(
    () => SecretsEngine.open({ path }),
    IntegrityError,
  );
  assert(/recover/.test(error.message), error.message);
  const { "store.db-shm": _, ...data } = files;
  const { "store.db-shm": __, ...after } = await fingerprint(path);
  assertEquals(after, data, "a failed open changed the database or its WAL");
  const beforeRecovery = await fingerprint(path);
  {
    await using engine = await SecretsEngine.open({ path, recover: true });
    const report = engine.recovery;
    assert(report?.problems.some((p) => /WAL .* damaged/.test(p)));
    assertEquals(await engine.get("kept"), "from before");
    for (const name of AFTER) {
      assertEquals(await engine.get(name), `value of ${name}`);
    }
    // Later writes rewrote the victim's page whole: its last image reads.
    assertEquals(await engine.get("victim"), "v".repeat(300));
    assertEquals(report?.unreadable, []);
  }
  assertEquals(await fingerprint(path), beforeRecovery);
});

Deno.test("recover of an intact crashed vault changes no byte, and an ordinary open then reads it all", async () => {
  await using dir = await tempDir();
  const path = await crashedVault(dir.path);
  const files = await fingerprint(path);
  {
    await using engine = await SecretsEngine.open({ path, recover: true });
    assertEquals(engine.recovery?.intact, true);
    assertEquals(await engine.get("victim"), "v".repeat(300));
  }
  assertEquals(await fingerprint(path), files);
  await using engine = await SecretsEngine.open({ path });
  assertEquals(await engine.get("after5"), "value of after5");
});

Deno.test({
  name: "recover works on read-only media",
  ignore: !canMount,
  fn: async () => {
    await using dir = await tempDir();
    const media = join(dir.path, "media");
    await using mount = await tmpfs(media);
    const crashed = await crashedVault(dir.path);
    await copyVault(crashed, join(media, "vault"));
    await mount.readOnly();
    const path = join(media, "vault");
    await using engine = await SecretsEngine.open({ path, recover: true });
    assertEquals(engine.recovery?.intact, true);
    assertEquals(await engine.get("after3"), "value of after3");
  },
});

// The WAL's checksums have no key, so a WAL can be
// forged. One frame whose commit field claimed 393,216 pages made recover
// run 33 s, reach 3.2 GB and report the vault intact; larger claims and a
// sparse 40 GiB WAL ended in a StorageError though store.db was intact.
const PAGE = 4096;
const FRAME_HEADER = 24;
const WAL_MAGIC = 0x377f0682;

/** SQLite's WAL checksum over `bytes` (little-endian words), from `seed`. */
function walChecksum(
  bytes: Uint8Array,
  seed: [number, number],
): [number, number] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  let [s0, s1] = seed;
  for (let at = 0; at < bytes.length; at += 8) {
    s0 = (s0 + view.getUint32(at, true) + s1) >>> 0;
    s1 = (s1 + view.getUint32(at + 4, true) + s0) >>> 0;
  }
  return [s0, s1];
}

/**
 * A WAL with a valid header and checksums whose one frame holds `page`
 * (a copy of store.db's first page) and claims `commitPages` pages.
 */
function forgedWal(
  firstPage: Uint8Array,
  page: number,
  commitPages: number,
): Uint8Array {
  const wal = new Uint8Array(32 + FRAME_HEADER + PAGE);
  const view = new DataView(wal.buffer);
  view.setUint32(0, WAL_MAGIC);
  view.setUint32(4, 3007000);
  view.setUint32(8, PAGE);
  view.setUint32(16, 0x1234);
  view.setUint32(20, 0x5678);
  const headerSum = walChecksum(wal.subarray(0, 24), [0, 0]);
  view.setUint32(24, headerSum[0]);
  view.setUint32(28, headerSum[1]);
  view.setUint32(32, page);
  view.setUint32(36, commitPages);
  view.setUint32(40, 0x1234);
  view.setUint32(44, 0x5678);
  wal.set(firstPage, 32 + FRAME_HEADER);
  const frameSum = walChecksum(
    wal.subarray(32 + FRAME_HEADER),
    walChecksum(wal.subarray(32, 40), headerSum),
  );
  view.setUint32(48, frameSum[0]);
  view.setUint32(52, frameSum[1]);
  return wal;
}

async function vaultOfThree(dir: string): Promise<string> {
  await using engine = await openEngine(dir);
  await engine.setMany({ a: "one", b: "two", c: "three" });
  return join(dir, "vault");
}

Deno.test("recover refuses a forged WAL's impossible frame as a problem and reads all store.db holds", async (t) => {
  for (const claim of [393_216, 2 ** 20, 0xffffffff]) {
    await t.step(`a commit claiming ${claim} pages`, async () => {
      await using dir = await tempDir();
      const path = await vaultOfThree(dir.path);
      const database = await Deno.readFile(join(path, "store.db"));
      await Deno.writeFile(
        join(path, "store.db-wal"),
        forgedWal(database.subarray(0, PAGE), 1, claim),
        { mode: 0o600 },
      );
      const before = await fingerprint(path);
      await using engine = await SecretsEngine.open({ path, recover: true });
      const report = engine.recovery;
      assert(report !== null);
      assertEquals(report.intact, false);
      assert(
        report.problems.some((p) => /more than the files can hold/.test(p)),
        report.problems.join("\n"),
      );
      assertEquals(
        [await engine.get("a"), await engine.get("b"), await engine.get("c")],
        ["one", "two", "three"],
      );
      await engine.close();
      assertEquals(await fingerprint(path), before);
    });
  }
});

Deno.test("recover reads a sparse 40 GiB WAL frame by frame, and a frame of page 0 ends it", async () => {
  await using dir = await tempDir();
  const path = await vaultOfThree(dir.path);
  const database = await Deno.readFile(join(path, "store.db"));
  const walPath = join(path, "store.db-wal");
  await Deno.writeFile(walPath, forgedWal(database.subarray(0, PAGE), 0, 0), {
    mode: 0o600,
  });
  await Deno.truncate(walPath, 40 * 2 ** 30);
  await using engine = await SecretsEngine.open({ path, recover: true });
  const report = engine.recovery;
  assert(report?.problems.some((p) => /page 0/.test(p)), report?.problems[0]);
  assertEquals(await engine.get("c"), "three");
});
