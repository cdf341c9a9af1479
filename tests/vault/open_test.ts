import {
  assert,
  assertEquals,
  assertFalse,
  assertRejects,
} from "../_assert.ts";
import { join } from "node:path";
import {
  InitializationError,
  IntegrityError,
  SecretsEngine,
  SecretsEngineError,
  ValidationError,
  VaultNotFoundError,
} from "../../mod.ts";
import {
  canMount,
  copyFixture,
  openEngine,
  rawSql,
  tempDir,
  tmpfs,
} from "../_helpers.ts";

const FIXTURES = new URL("../fixtures/", import.meta.url).pathname;

function fixtureSecrets(name: string): Record<string, string> {
  return JSON.parse(Deno.readTextFileSync(join(FIXTURES, `${name}.json`)));
}

const FIXTURE_SECRETS = fixtureSecrets("vault-0.1.0");

const FIXTURES_BY_FORMAT = [
  ["vault-0.1.0", 1],
  ["vault-format2", 2],
  ["vault-format3", 3],
] as const;

for (const [fixture, format] of FIXTURES_BY_FORMAT) {
  Deno.test(`format ${format} fixture (${fixture}): opens, keeps every value as version 1, and becomes format 7`, async () => {
    await using dir = await tempDir();
    const path = await copyFixture(dir.path, fixture);
    const secrets = fixtureSecrets(fixture);
    const stored = () =>
      rawSql(dir.path, (db) =>
        new TextDecoder().decode(
          db.prepare("SELECT value FROM meta WHERE key = 'format'").get()
            ?.value as Uint8Array,
        ));
    assertEquals(stored(), String(format));
    for (let open = 0; open < 2; open++) {
      await using engine = await SecretsEngine.open({ path });
      const info = await engine.info();
      assertEquals(info.format, 7);
      assertEquals(info.historyLimit, 10);
      // The second open finds the file as the first one sealed it.
      assertEquals(info.openedSealed, open === 1);
      assertEquals(engine.size, Object.keys(secrets).length);
      for (const [name, value] of Object.entries(secrets)) {
        const entry = await engine.getEntry(name);
        assertEquals(entry?.value, value, name);
        assertEquals([entry?.kind, entry?.version], ["text", 1], name);
        assertEquals(entry?.expiresAt, null, name);
        assertEquals((await engine.history(name)).length, 1, name);
      }
      const slots = await engine.slots();
      assertEquals(slots.map((slot) => slot.kind), ["machine"]);
    }
    assertEquals(stored(), "7");
    const kdf = rawSql(
      dir.path,
      (db) =>
        JSON.parse(String(db.prepare("SELECT kdf FROM slots").get()?.kdf)),
    );
    // Formats 1 and 2 derived the key with scrypt; the slot keeps it.
    assertEquals(kdf.name, format < 3 ? "scrypt" : "hkdf");
    {
      await using engine = await SecretsEngine.open({ path });
      const { key } = await engine.addKey();
      await engine.set("openai.apiKey", "after the upgrade");
      assertEquals(
        (await engine.getVersion("openai.apiKey", 1))?.value,
        secrets["openai.apiKey"],
      );
      await using byKey = await SecretsEngine.open({ path, unlock: { key } });
      assertEquals(await byKey.get("openai.apiKey"), "after the upgrade");
    }
    await Deno.remove(join(path, "meta.json"));
    await using verified = await SecretsEngine.open({ path });
    assertFalse((await verified.info()).openedSealed);
  });
}

Deno.test("format 3 fixture: an entry changed outside the engine stops the upgrade, and nothing changes", async () => {
  await using dir = await tempDir();
  const path = await copyFixture(dir.path, "vault-format3");
  rawSql(dir.path, (db) => {
    db.exec("UPDATE entries SET updated = updated + 1");
  });
  const before = await Deno.readFile(join(path, "store.db"));
  await assertRejects(() => SecretsEngine.open({ path }), IntegrityError);
  assertEquals(await Deno.readFile(join(path, "store.db")), before);
});

// A planted meta row was an OS I/O error, and a refused
// upgrade from format 1 left the vault at format 3.
for (
  const [fixture, planted] of [
    ["vault-0.1.0", "key_check"],
    ["vault-format2", "key_check"],
    ["vault-format3", "history_limit"],
    ["vault-0.1.0", "history_limit"],
  ] as const
) {
  Deno.test(`${fixture} with a planted ${planted} row: an IntegrityError, and the vault is as it was`, async () => {
    await using dir = await tempDir();
    const path = await copyFixture(dir.path, fixture);
    rawSql(
      dir.path,
      (db) =>
        db.prepare("INSERT INTO meta (key, value) VALUES (?, x'3130')").run(
          planted,
        ),
    );
    const before = await Deno.readFile(join(path, "store.db"));
    const error = await assertRejects(
      () => SecretsEngine.open({ path }),
      IntegrityError,
    );
    assert(/outside the engine/.test(error.message), error.message);
    assertEquals(await Deno.readFile(join(path, "store.db")), before);
  });
}

// Format 2 bound every key-record field into the wrap's additional data.
Deno.test("format 2 fixture: every bound meta field fails the unwrap when changed, and nothing is upgraded", async () => {
  const encode = (value: unknown) =>
    new TextEncoder().encode(JSON.stringify(value));
  const changes: [string, Uint8Array][] = [
    ["format", encode(1)],
    ["factors", encode(["user"])],
    ["salt", new Uint8Array(32)],
    ["kdf", encode({ N: 1024, r: 8, p: 1 })],
  ];
  for (const [key, value] of changes) {
    await using dir = await tempDir();
    const path = await copyFixture(dir.path, "vault-format2");
    rawSql(
      dir.path,
      (db) =>
        db.prepare("UPDATE meta SET value = ? WHERE key = ?").run(value, key),
    );
    const error = await assertRejects(
      () => SecretsEngine.open({ path }),
      SecretsEngineError,
    );
    const codes = key === "factors"
      ? ["PERMISSION", "KEY_MISMATCH"]
      : ["KEY_MISMATCH"];
    assert(codes.includes(error.code), `${key}: ${error.code}`);
    const tables = rawSql(
      dir.path,
      (db) =>
        db.prepare("SELECT name FROM sqlite_master WHERE name = 'slots'").all(),
    );
    assertEquals(tables.length, 0, key);
  }
});

// Look-alike names. New names are NFC and free of format
// characters; names 0.1.0 stored otherwise still read and delete.
Deno.test("look-alike names: NFC spellings are one name, format characters refused, legacy names readable and deletable", async () => {
  await using dir = await tempDir();
  const path = await copyFixture(dir.path);
  await using engine = await SecretsEngine.open({ path });
  const decomposed = "legacy.cafe\u0301";
  const zeroWidth = "legacy.zero\u200bwidth";
  assertEquals(
    await engine.get(decomposed.normalize("NFC")),
    null,
    "stored decomposed",
  );
  assertEquals(await engine.get(decomposed), FIXTURE_SECRETS[decomposed]);
  assertEquals(await engine.get(zeroWidth), FIXTURE_SECRETS[zeroWidth]);
  for (const bad of ["a\u202eb", "a\u200bb", "\ufeffa"]) {
    await assertRejects(() => engine.set(bad, "v"), ValidationError);
  }
  assert(await engine.delete(decomposed));
  assert(await engine.delete(zeroWidth));
  assertFalse(await engine.has(zeroWidth));
  await engine.set("cafe\u0301", "one");
  await engine.set("caf\u00e9", "two");
  assertEquals(await engine.keys("caf*"), ["caf\u00e9"]);
  assertEquals(await engine.get("cafe\u0301"), "two");
});

// 2**31 aborted the process inside SQLite; 1e12 threw a
// raw TypeError.
Deno.test("busyTimeoutMs bound: values past 2^31 - 1 are a ValidationError", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "vault");
  for (const busyTimeoutMs of [2 ** 31, 1e12, -1, 1.5, Infinity]) {
    await assertRejects(
      () => SecretsEngine.open({ path, busyTimeoutMs }),
      ValidationError,
    );
  }
  await using engine = await SecretsEngine.open({
    path,
    busyTimeoutMs: 2 ** 31 - 1,
  });
  assertEquals(engine.size, 0);
});

// Each of these reached the caller as a raw Deno or
// node:sqlite error.
Deno.test("raw errors: NUL paths, a file as parent and out-of-range rows are engine errors", async (t) => {
  await using dir = await tempDir();
  await t.step("a path with NUL", async () => {
    await assertRejects(
      () => SecretsEngine.open({ path: `${dir.path}/a\0b` }),
      ValidationError,
    );
  });
  await t.step("a path below a file", async () => {
    await Deno.writeTextFile(join(dir.path, "file"), "");
    await assertRejects(
      () => SecretsEngine.open({ path: join(dir.path, "file", "sub") }),
      InitializationError,
    );
  });
  await t.step("created above 2^53", async () => {
    {
      await using engine = await openEngine(dir.path);
      await engine.set("a", "1");
    }
    rawSql(dir.path, (db) => db.exec("UPDATE entries SET created = 1 << 60"));
    const error = await assertRejects(
      () => openEngine(dir.path),
      IntegrityError,
    );
    assert(error instanceof SecretsEngineError);
  });
});

Deno.test("create: false finds no vault and creates nothing", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "vault");
  const error = await assertRejects(
    () => SecretsEngine.open({ path, create: false }),
    VaultNotFoundError,
  );
  assertEquals(error.path, path);
  assertEquals([...Deno.readDirSync(dir.path)], []);
  await Deno.mkdir(path, { mode: 0o700 });
  await assertRejects(
    () => SecretsEngine.open({ path, create: false }),
    VaultNotFoundError,
  );
  assertEquals([...Deno.readDirSync(path)], []);
  {
    await using _ = await SecretsEngine.open({ path });
  }
  await using engine = await SecretsEngine.open({ path, create: false });
  assertEquals(engine.size, 0);
});

// On read-only storage even get failed,
// on a probe file every open made in the vault.
Deno.test({
  name:
    "a vault on read-only storage opens verified and reads; a write says why and changes nothing",
  ignore: !canMount,
  fn: async () => {
    await using dir = await tempDir();
    const media = join(dir.path, "media");
    await using mount = await tmpfs(media);
    const path = join(media, "vault");
    {
      await using engine = await SecretsEngine.open({ path });
      await engine.set("api.key", "sk-1");
    }
    await mount.readOnly();
    await using engine = await SecretsEngine.open({ path });
    assertEquals(await engine.get("api.key"), "sk-1");
    assert((await engine.info()).openedSealed, "the seal still matches");
    const error = await assertRejects(
      () => engine.set("b", "2"),
      InitializationError,
    );
    assert(/cannot write/.test(error.message), error.message);
    await assertRejects(
      () => SecretsEngine.open({ path: join(media, "new") }),
      InitializationError,
    );
  },
});

/** What tests/fixtures/make_vault-format4.ts recorded of the vault it made. */
interface Format4Fixture {
  passphrase: string;
  key: string;
  historyLimit: number;
  text: Record<string, string>;
  bytes: Record<string, number[]>;
  expires: Record<string, string>;
  expired: string[];
  versions: Record<string, string[]>;
}

Deno.test("format 4 fixture: every slot opens it, it becomes format 7, every value and version reads, and it takes writes", async () => {
  await using dir = await tempDir();
  const path = await copyFixture(dir.path, "vault-format4");
  const fixture: Format4Fixture = JSON.parse(
    await Deno.readTextFile(join(FIXTURES, "vault-format4.json")),
  );
  const unlocks = [
    undefined,
    { passphrase: fixture.passphrase },
    { key: fixture.key },
  ];
  for (const unlock of unlocks) {
    await using engine = await SecretsEngine.open({ path, unlock });
    const info = await engine.info();
    assertEquals([info.format, info.historyLimit], [7, fixture.historyLimit]);
    assertEquals((await engine.slots()).map((s) => s.kind).sort(), [
      "key",
      "machine",
      "passphrase",
    ]);
    for (const [name, value] of Object.entries(fixture.text)) {
      assertEquals(await engine.get(name), value, name);
    }
    for (const [name, bytes] of Object.entries(fixture.bytes)) {
      assertEquals(await engine.getBytes(name), new Uint8Array(bytes));
    }
    for (const [name, expires] of Object.entries(fixture.expires)) {
      assertEquals(
        (await engine.getEntry(name))?.expiresAt?.toISOString(),
        expires,
      );
    }
    assertEquals(await engine.keys("**", { expired: true }), fixture.expired);
    for (const [name, values] of Object.entries(fixture.versions)) {
      const versions = await engine.history(name);
      assertEquals(versions.length, values.length);
      for (const [at, { version }] of versions.entries()) {
        assertEquals(
          (await engine.getVersion(name, version))?.value,
          values[at],
        );
      }
    }
  }
  await using engine = await SecretsEngine.open({ path });
  await engine.set("db.password", "fourth");
  assertEquals((await engine.history("db.password")).length, 4);
  // Format 5 lets it carry annotations, which full verification covers.
  await engine.setMeta("db.password", { note: "n", rotateEvery: 86_400_000 });
  await engine.close();
  await Deno.remove(join(path, "meta.json"));
  await using verified = await SecretsEngine.open({ path });
  assertEquals(await verified.get("db.password"), "fourth");
  assertEquals((await verified.getEntry("db.password"))?.note, "n");
});

Deno.test("format 5 fixture: its annotations read back through every slot, it becomes format 7, and it verifies in full", async () => {
  await using dir = await tempDir();
  const path = await copyFixture(dir.path, "vault-format5");
  const fixture: Format4Fixture & {
    annotations: Record<
      string,
      { note: string | null; tags: string[]; rotateEvery: number | null }
    >;
  } = JSON.parse(
    await Deno.readTextFile(join(FIXTURES, "vault-format5.json")),
  );
  await Deno.remove(join(path, "meta.json"));
  for (
    const unlock of [undefined, { passphrase: fixture.passphrase }, {
      key: fixture.key,
    }]
  ) {
    await using engine = await SecretsEngine.open({ path, unlock });
    assertEquals((await engine.info()).format, 7);
    for (const [name, value] of Object.entries(fixture.text)) {
      assertEquals(await engine.get(name), value, name);
    }
    for (const [name, annotation] of Object.entries(fixture.annotations)) {
      const entry = await engine.getEntry(name);
      assertEquals(
        {
          note: entry?.note,
          tags: entry?.tags,
          rotateEvery: entry?.rotateEvery,
        },
        annotation,
        name,
      );
    }
    assertEquals(await engine.keys("**", { tag: "prod" }), ["openai.apiKey"]);
  }
});

// In 0.3, a tampered format-4 vault was upgraded to format 5 (a
// new WAL, an annotations table) before the open found the tampering.
Deno.test("format 4 fixture: an entry changed outside the engine is refused before the upgrade, and every file stays byte-identical", async () => {
  await using dir = await tempDir();
  const path = await copyFixture(dir.path, "vault-format4");
  rawSql(dir.path, (db) => {
    db.exec("UPDATE entries SET updated = updated + 1");
  });
  const files = async () => {
    const found: Record<string, string> = {};
    for await (const entry of Deno.readDir(path)) {
      if (entry.name.endsWith("-shm")) continue;
      const bytes = await Deno.readFile(join(path, entry.name));
      found[entry.name] = Array.from(bytes, (b) => b.toString(16)).join("");
    }
    return found;
  };
  const before = await files();
  const error = await assertRejects(
    () => SecretsEngine.open({ path }),
    IntegrityError,
  );
  assert(/outside the engine/.test(error.message), error.message);
  // SQLite's connection makes an empty WAL file; nothing is written to it.
  const { "store.db-wal": wal = "", ...after } = await files();
  assertEquals([after, wal], [before, ""]);
});
