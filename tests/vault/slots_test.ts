import {
  assert,
  assertEquals,
  assertFalse,
  assertRejects,
} from "../_assert.ts";
import { join } from "node:path";
import {
  ClosedError,
  IntegrityError,
  KeyMismatchError,
  SecretsEngine,
  ValidationError,
} from "../../mod.ts";
import { openEngine, rawSql, tempDir } from "../_helpers.ts";

const PASSPHRASE = "correct horse battery staple";

/** Forces the next open to verify in full, as after an unclean exit. */
async function dropSeal(path: string): Promise<void> {
  await Deno.remove(join(path, "meta.json"));
}

Deno.test("a passphrase slot opens the vault without the keyfile, and says which slot opened it", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "vault");
  {
    await using engine = await openEngine(dir.path);
    await engine.set("api", "sk-1");
    const slot = await engine.addPassphrase(PASSPHRASE, { label: "laptop" });
    assertEquals([slot.kind, slot.label], ["passphrase", "laptop"]);
    assertEquals(slot.factors, undefined);
  }
  await Deno.remove(join(path, ".keyfile"));
  const missing = await assertRejects(
    () => SecretsEngine.open({ path }),
    KeyMismatchError,
  );
  assert(missing.message.includes("passphrase"), missing.message);
  await using engine = await SecretsEngine.open({
    path,
    // NFC: a decomposed spelling of the same passphrase opens it too.
    unlock: { passphrase: PASSPHRASE },
  });
  assertEquals(await engine.get("api"), "sk-1");
  const info = await engine.info();
  assertEquals([info.unlockedBy.kind, info.unlockedBy.label], [
    "passphrase",
    "laptop",
  ]);
  await assertRejects(
    () => SecretsEngine.open({ path, unlock: { passphrase: "wrong" } }),
    KeyMismatchError,
  );
});

Deno.test("a passphrase is NFC-normalised: either spelling opens", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "vault");
  {
    await using engine = await openEngine(dir.path);
    await engine.addPassphrase("cafe\u0301");
  }
  await using engine = await SecretsEngine.open({
    path,
    unlock: { passphrase: "caf\u00e9" },
  });
  assertEquals((await engine.info()).unlockedBy.kind, "passphrase");
});

Deno.test("a key slot's key opens the vault however it is typed; a typo says mistyped", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "vault");
  let key = "";
  {
    await using engine = await openEngine(dir.path);
    await engine.set("api", "sk-1");
    ({ key } = await engine.addKey({ label: "recovery" }));
  }
  const typed = key.replaceAll("-", "").toLowerCase().replaceAll("0", "o");
  {
    await using engine = await SecretsEngine.open({
      path,
      unlock: { key: typed },
    });
    assertEquals(await engine.get("api"), "sk-1");
  }
  const last = key.at(-1) === "0" ? "1" : "0";
  const typo = await assertRejects(
    () =>
      SecretsEngine.open({ path, unlock: { key: key.slice(0, -1) + last } }),
    ValidationError,
  );
  assert(typo.message.includes("mistyped"));
  // Another well-formed key is a wrong key, not a typo.
  await using other = await tempDir();
  await using elsewhere = await openEngine(other.path);
  const { key: stranger } = await elsewhere.addKey();
  await assertRejects(
    () => SecretsEngine.open({ path, unlock: { key: stranger } }),
    KeyMismatchError,
  );
});

Deno.test("removeSlot: the last slot and unknown ids are refused; the machine slot takes its keyfile with it", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "vault");
  await using engine = await openEngine(dir.path);
  const [machine] = await engine.slots();
  const last = await assertRejects(
    () => engine.removeSlot(machine.id),
    ValidationError,
  );
  assert(last.message.includes("never be opened again"));
  await assertRejects(() => engine.removeSlot("nope"), ValidationError);
  const { key } = await engine.addKey();
  await engine.removeSlot(machine.id);
  assertEquals((await engine.slots()).map((slot) => slot.kind), ["key"]);
  await assertRejects(
    () => Deno.stat(join(path, ".keyfile")),
    Deno.errors.NotFound,
  );
  const error = await assertRejects(
    () => SecretsEngine.open({ path }),
    KeyMismatchError,
  );
  assert(
    error.message.includes("no machine slot, only key slots"),
    error.message,
  );
  await using byKey = await SecretsEngine.open({ path, unlock: { key } });
  assertEquals((await byKey.info()).factors, []);
});

Deno.test("bad slot input is a ValidationError and changes nothing", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  const before = await engine.slots();
  const bad: (() => Promise<unknown>)[] = [
    () => engine.addPassphrase(""),
    () => engine.addPassphrase(42 as unknown as string),
    () => engine.addKey({ label: "x".repeat(65) }),
    () => engine.addKey({ label: "bell\u0007" }),
    () => engine.removeSlot(""),
    () => engine.rebind({ factors: ["mac"] }),
    () => engine.rotate({ keep: "key" as unknown as [] }),
    () => engine.rotate({ keep: [{ passphrase: "" }] }),
  ];
  for (const call of bad) await assertRejects(call, ValidationError);
  assertEquals(await engine.slots(), before);
});

Deno.test("a vault holds at most 16 slots", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  for (let i = 1; i < 16; i++) await engine.addKey();
  await assertRejects(() => engine.addKey(), ValidationError);
  assertEquals((await engine.slots()).length, 16);
});

Deno.test("slots planted past the cap are refused before any slot's KDF runs", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "vault");
  {
    await using engine = await openEngine(dir.path);
    await engine.addPassphrase(PASSPHRASE);
  }
  // Malformed KDF parameters: had any slot been tried, the error would
  // name them instead of the count.
  rawSql(dir.path, (db) => {
    for (let i = 0; i < 24; i++) {
      db.prepare(
        "INSERT INTO slots SELECT ?, kind, label, created, '{\"N\":1e99}', salt, factors, wrapped FROM slots WHERE kind = 'passphrase' LIMIT 1",
      ).run(`planted${i}`);
    }
  });
  for (
    const open of [
      () => SecretsEngine.open({ path, unlock: { passphrase: PASSPHRASE } }),
      () => SecretsEngine.open({ path }),
    ]
  ) {
    const error = await assertRejects(open, IntegrityError);
    assert(error.message.includes("26 key slots"), error.message);
  }
});

Deno.test("rebind after a lost keyfile restores the zero-setup unlock; the old keyfile opens nothing", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "vault");
  let key = "";
  {
    await using engine = await openEngine(dir.path);
    await engine.set("api", "sk-1");
    ({ key } = await engine.addKey());
  }
  const old = await Deno.readFile(join(path, ".keyfile"));
  await Deno.remove(join(path, ".keyfile"));
  {
    await using engine = await SecretsEngine.open({ path, unlock: { key } });
    const slot = await engine.rebind();
    assertEquals([slot.kind, slot.factors], ["machine", []]);
    assertEquals((await engine.slots()).length, 2);
  }
  await using engine = await SecretsEngine.open({ path });
  assertEquals(await engine.get("api"), "sk-1");
  await engine.close();
  await Deno.chmod(join(path, ".keyfile"), 0o600);
  await Deno.writeFile(join(path, ".keyfile"), old);
  await assertRejects(() => SecretsEngine.open({ path }), KeyMismatchError);
});

Deno.test("a slot row edited, removed or added with raw SQL is an IntegrityError on full verification", async () => {
  const edits = [
    "UPDATE slots SET label = 'renamed' WHERE kind = 'key'",
    "DELETE FROM slots WHERE kind = 'key'",
    "INSERT INTO slots SELECT 'feedf00d', kind, label, created, kdf, salt, factors, wrapped FROM slots WHERE kind = 'key'",
    "UPDATE slots SET created = 0 WHERE kind = 'key'",
  ];
  for (const edit of edits) {
    await using dir = await tempDir();
    const path = join(dir.path, "vault");
    {
      await using engine = await openEngine(dir.path);
      await engine.set("api", "sk-1");
      await engine.addKey({ label: "recovery" });
    }
    rawSql(dir.path, (db) => db.exec(edit));
    await dropSeal(path);
    const error = await assertRejects(
      () => openEngine(dir.path),
      IntegrityError,
    );
    assert(error.message.includes("key slot"), `${edit}: ${error.message}`);
  }
});

Deno.test("slots added by another engine are seen, and its writes keep this engine's accumulator valid", async () => {
  await using dir = await tempDir();
  await using first = await openEngine(dir.path);
  await using second = await openEngine(dir.path);
  await second.addKey();
  assertEquals((await first.slots()).length, 2);
  await first.set("a", "1");
  await second.set("b", "2");
  await first.close();
  await second.close();
  await dropSeal(join(dir.path, "vault"));
  await using again = await openEngine(dir.path);
  assertFalse((await again.info()).openedSealed);
  assertEquals(await again.get("b"), "2");
});

Deno.test("close() while addPassphrase derives its key: a ClosedError, and no slot", async () => {
  await using dir = await tempDir();
  const engine = await openEngine(dir.path);
  const adding = engine.addPassphrase(PASSPHRASE);
  await engine.close();
  await assertRejects(() => adding, ClosedError);
  await using again = await openEngine(dir.path);
  assertEquals((await again.slots()).length, 1);
});

// Labels took bidi and zero-width characters.
Deno.test("a slot label with a format character is refused; one is NFC-normalised", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  for (const label of ["evil\u202egnp.exe", "zero\u200bwidth", "bom\ufeff"]) {
    await assertRejects(() => engine.addKey({ label }), ValidationError);
    await assertRejects(
      () => engine.addPassphrase(PASSPHRASE, { label }),
      ValidationError,
    );
  }
  assertEquals((await engine.slots()).length, 1);
  const { slot } = await engine.addKey({ label: "cafe\u0301" });
  assertEquals(slot.label, "caf\u00e9");
});
