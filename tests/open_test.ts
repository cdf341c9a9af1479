import { assert, assertEquals, assertFalse, assertRejects } from "./_assert.ts";
import { join } from "node:path";
import {
  InitializationError,
  IntegrityError,
  SecretsEngine,
  SecretsEngineError,
  ValidationError,
  VaultNotFoundError,
} from "../mod.ts";
import { openVault, rawSql, tempDir } from "./_helpers.ts";

const FIXTURE = new URL("./fixtures/vault-0.1.0", import.meta.url).pathname;
const FIXTURE_SECRETS: Record<string, string> = JSON.parse(
  Deno.readTextFileSync(
    new URL("./fixtures/vault-0.1.0.json", import.meta.url),
  ),
);

/** Copies the 0.1.0 fixture vault, with the modes git does not keep. */
async function copyFixture(to: string): Promise<string> {
  const vault = join(to, "vault");
  await Deno.mkdir(vault, { mode: 0o700 });
  for (const name of [".keyfile", "store.db", "meta.json"]) {
    await Deno.copyFile(join(FIXTURE, name), join(vault, name));
    await Deno.chmod(join(vault, name), name === ".keyfile" ? 0o400 : 0o600);
  }
  return vault;
}

Deno.test("format 1 fixture: a vault 0.1.0 wrote opens, keeps every value, and becomes format 2", async () => {
  await using dir = await tempDir();
  const path = await copyFixture(dir.path);
  const format = () =>
    rawSql(dir.path, (db) =>
      new TextDecoder().decode(
        db.prepare("SELECT value FROM meta WHERE key = 'format'").get()
          ?.value as Uint8Array,
      ));
  assertEquals(format(), "1");
  for (let open = 0; open < 2; open++) {
    await using engine = await SecretsEngine.open({ path });
    assertEquals((await engine.info()).format, 2);
    assertEquals(engine.size, Object.keys(FIXTURE_SECRETS).length);
    for (const [name, value] of Object.entries(FIXTURE_SECRETS)) {
      assertEquals(await engine.get(name), value, name);
    }
  }
  assertEquals(format(), "2");
});

// Issue #9, item 15: look-alike names. New names are NFC and free of format
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

// Issue #9, item 9: 2**31 aborted the process inside SQLite; 1e12 threw a
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

// Issue #9, item 10: each of these reached the caller as a raw Deno or
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
      await using engine = await openVault(dir.path);
      await engine.set("a", "1");
    }
    rawSql(dir.path, (db) => db.exec("UPDATE entries SET created = 1 << 60"));
    const error = await assertRejects(
      () => openVault(dir.path),
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
