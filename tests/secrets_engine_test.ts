import {
  assert,
  assertEquals,
  assertFalse,
  assertRejects,
  assertThrows,
} from "./_assert.ts";
import { join } from "node:path";
import {
  BusyError,
  ClosedError,
  DecryptionError,
  InitializationError,
  IntegrityError,
  KeyMismatchError,
  KeyNotFoundError,
  MAX_NAME_BYTES,
  MAX_VALUE_BYTES,
  type OpenOptions,
  PermissionError,
  SecretsEngine,
  SecurityError,
  ValidationError,
} from "../mod.ts";
import { openEngine, rawSql, tempDir } from "./_helpers.ts";

const isPosix = Deno.build.os !== "windows";

Deno.test("set, get, has, delete, keys and size round-trip", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  assertEquals(engine.size, 0);
  await engine.set("openai.apiKey", "sk-1");
  await engine.set("openai.org.id", "org-1");
  await engine.set("aws.secret", "line one\nline two");
  assertEquals(await engine.get("openai.apiKey"), "sk-1");
  assertEquals(await engine.get("aws.secret"), "line one\nline two");
  assertEquals(await engine.get("missing"), null);
  assert(await engine.has("openai.org.id"));
  assertFalse(await engine.has("openai"));
  assertEquals(engine.size, 3);
  assertEquals(await engine.keys(), [
    "aws.secret",
    "openai.apiKey",
    "openai.org.id",
  ]);
  assertEquals(await engine.keys("openai.*"), ["openai.apiKey"]);
  assertEquals(await engine.keys("openai.**"), [
    "openai.apiKey",
    "openai.org.id",
  ]);
  assertEquals(await engine.keys("*.secre?"), ["aws.secret"]);
  await engine.set("openai.apiKey", "sk-2");
  assertEquals(await engine.get("openai.apiKey"), "sk-2");
  assertEquals(engine.size, 3);
  assert(await engine.delete("openai.apiKey"));
  assertFalse(await engine.delete("openai.apiKey"));
  assertEquals(await engine.get("openai.apiKey"), null);
  assertEquals(engine.size, 2);
  assertEquals(
    engine.storagePath,
    await Deno.realPath(join(dir.path, "vault")),
  );
});

Deno.test("values survive close and reopen, with the seal written", async () => {
  await using dir = await tempDir();
  {
    await using engine = await openEngine(dir.path);
    await engine.setMany({ "a.one": "1", "a.two": "ünïcødé ✓" });
  }
  const meta = JSON.parse(
    await Deno.readTextFile(join(dir.path, "vault", "meta.json")),
  );
  assertEquals(typeof meta.seal, "string");
  await using engine = await openEngine(dir.path);
  assertEquals(await engine.get("a.two"), "ünïcødé ✓");
  assertEquals(await engine.keys(), ["a.one", "a.two"]);
});

// An empty string is a value, not an absence.
Deno.test('an empty value is stored, read back as "" and is present', async () => {
  await using dir = await tempDir();
  {
    await using engine = await openEngine(dir.path);
    await engine.set("empty", "");
    await engine.setMany([["also.empty", ""]]);
    assertEquals(await engine.get("empty"), "");
    assertEquals(await engine.getOrThrow("also.empty"), "");
    assert(await engine.has("empty"));
  }
  await using engine = await openEngine(dir.path);
  assertEquals(await engine.get("empty"), "");
  assertEquals(engine.size, 2);
});

Deno.test("getOrThrow throws KeyNotFoundError without the name", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  await engine.set("present", "v");
  assertEquals(await engine.getOrThrow("present"), "v");
  const error = await assertRejects(
    () => engine.getOrThrow("stripe.liveKey"),
    KeyNotFoundError,
  );
  assertFalse(error.message.includes("stripe"));
  assertEquals(error.code, "KEY_NOT_FOUND");
});

Deno.test("bad input is a ValidationError and leaves the vault as it was", async (t) => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  await engine.set("keep", "kept");
  const database = join(dir.path, "vault", "store.db");
  const before = await Deno.readFile(database);
  const bad: [string, () => Promise<unknown>][] = [
    ["empty name", () => engine.set("", "v")],
    ["non-string name", () => engine.set(42 as unknown as string, "v")],
    ["control character", () => engine.set("bad\u0007name", "v")],
    ["newline in name", () => engine.set("bad\nname", "v")],
    ["lone surrogate", () => engine.set("bad\ud800", "v")],
    ["name too long", () => engine.set("n".repeat(MAX_NAME_BYTES + 1), "v")],
    ["non-string value", () => engine.set("name", null as unknown as string)],
    [
      "value too long",
      () => engine.set("name", "v".repeat(MAX_VALUE_BYTES + 1)),
    ],
    ["bad entry in setMany", () => engine.setMany([["good", "v"], ["", "v"]])],
    [
      "non-pair in setMany",
      () =>
        engine.setMany([["good", "v", "x"]] as unknown as [string, string][]),
    ],
    ["bad name in deleteMany", () => engine.deleteMany(["keep", ""])],
    ["bad pattern", () => engine.keys("a\u0000")],
    ["bad name in get", () => engine.get("")],
    ["bad name in has", () => engine.has("\u0001")],
  ];
  for (const [label, call] of bad) {
    await t.step(label, async () => {
      const error = await assertRejects(call, ValidationError);
      assertFalse(error.message.includes("bad"), "echoes the input");
    });
  }
  assertEquals(await engine.keys(), ["keep"]);
  assertEquals(await engine.get("keep"), "kept");
  assertEquals(await Deno.readFile(database), before);
});

Deno.test("setMany accepts pairs and keeps the last of a repeated name", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  await engine.setMany(new Map([["x", "1"], ["y", "2"]]));
  await engine.setMany([["x", "first"], ["x", "last"]]);
  assertEquals(await engine.get("x"), "last");
  assertEquals(engine.size, 2);
  assertEquals(await engine.deleteMany(new Set(["x", "y", "z"])), 2);
  assertEquals(engine.size, 0);
});

Deno.test("close is idempotent and every other call then throws ClosedError", async () => {
  await using dir = await tempDir();
  const engine = await openEngine(dir.path);
  await engine.close();
  await engine.close();
  await assertRejects(() => engine.get("a"), ClosedError);
  await assertRejects(() => engine.set("a", "b"), ClosedError);
  await assertRejects(() => engine.has("a"), ClosedError);
  await assertRejects(() => engine.keys(), ClosedError);
  await assertRejects(() => engine.delete("a"), ClosedError);
  await assertRejects(() => engine.destroy(), ClosedError);
  assertThrows(() => engine.size, ClosedError);
});

Deno.test("destroy removes only the engine's files", async (t) => {
  await t.step(
    "a file of the user's survives, and so does the directory",
    async () => {
      await using dir = await tempDir();
      const vault = join(dir.path, "vault");
      const engine = await openEngine(dir.path);
      await engine.set("a", "b");
      await Deno.writeTextFile(join(vault, "notes.txt"), "mine");
      await engine.destroy();
      const left = [...Deno.readDirSync(vault)].map((entry) => entry.name);
      assertEquals(left, ["notes.txt"]);
      await assertRejects(() => engine.get("a"), ClosedError);
    },
  );
  await t.step("an otherwise empty directory goes too", async () => {
    await using dir = await tempDir();
    const engine = await openEngine(dir.path);
    await engine.set("a", "b");
    await engine.destroy();
    await assertRejects(
      () => Deno.stat(join(dir.path, "vault")),
      Deno.errors.NotFound,
    );
  });
});

Deno.test("names and values are encrypted at rest", async () => {
  await using dir = await tempDir();
  {
    await using engine = await openEngine(dir.path);
    await engine.set("very.distinctive.name", "very-distinctive-value");
  }
  const vault = join(dir.path, "vault");
  for (const entry of Deno.readDirSync(vault)) {
    const text = new TextDecoder("latin1").decode(
      await Deno.readFile(join(vault, entry.name)),
    );
    assertFalse(text.includes("distinctive"), entry.name);
  }
});

Deno.test("a value moved to another row fails to decrypt, never returns the other secret", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  await engine.setMany({ alice: "alice-secret", bob: "bob-secret" });
  rawSql(dir.path, (db) => {
    const rows = db.prepare("SELECT name_hash, value FROM entries").all();
    const update = db.prepare(
      "UPDATE entries SET value = ? WHERE name_hash = ?",
    );
    update.run(rows[1].value, rows[0].name_hash);
    update.run(rows[0].value, rows[1].name_hash);
  });
  await assertRejects(() => engine.get("alice"), DecryptionError);
  await assertRejects(() => engine.get("bob"), DecryptionError);
});

Deno.test("tampering is an IntegrityError on the next open", async (t) => {
  const tamperings: [
    string,
    (db: import("node:sqlite").DatabaseSync) => void,
  ][] = [
    ["one byte of a row flipped", (db) => {
      const row = db.prepare("SELECT name_hash, value FROM entries LIMIT 1")
        .get();
      const value = new Uint8Array(row?.value as Uint8Array);
      value[value.length - 1] ^= 1;
      db.prepare("UPDATE entries SET value = ? WHERE name_hash = ?")
        .run(value, row?.name_hash as string);
    }],
    [
      "a timestamp changed",
      (db) => db.exec("UPDATE entries SET updated = updated + 1"),
    ],
    ["a row deleted", (db) => {
      const row = db.prepare("SELECT name_hash FROM entries LIMIT 1").get();
      db.prepare("DELETE FROM entries WHERE name_hash = ?").run(
        row?.name_hash as string,
      );
    }],
    ["a trigger added", (db) => {
      db.exec(
        "CREATE TRIGGER spy AFTER INSERT ON entries BEGIN SELECT 1; END",
      );
    }],
    [
      "an index added",
      (db) => db.exec("CREATE INDEX extra ON entries (updated)"),
    ],
    ["the integrity record changed", (db) => {
      db.exec("UPDATE meta SET value = zeroblob(72) WHERE key = 'integrity'");
    }],
  ];
  for (const [label, tamper] of tamperings) {
    await t.step(label, async () => {
      await using dir = await tempDir();
      {
        await using engine = await openEngine(dir.path);
        await engine.setMany({ one: "1", two: "2", three: "3" });
      }
      rawSql(dir.path, tamper);
      await assertRejects(() => openEngine(dir.path), IntegrityError);
    });
  }
});

Deno.test("a checkpoint from another connection between close and open is harmless", async () => {
  await using dir = await tempDir();
  for (let round = 0; round < 3; round++) {
    {
      await using engine = await openEngine(dir.path);
      await engine.set(`round.${round}`, String(round));
    }
    rawSql(dir.path, (db) => {
      db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
      db.prepare("SELECT count(*) FROM entries").get();
    });
  }
  await using engine = await openEngine(dir.path);
  assertEquals(await engine.keys(), ["round.0", "round.1", "round.2"]);
});

Deno.test("writes left in the WAL by an engine that never closed are kept", async () => {
  await using dir = await tempDir();
  const first = await openEngine(dir.path);
  await first.set("unsealed", "still here");
  // A second connection checkpoints while the first is open and unsealed.
  rawSql(dir.path, (db) => db.exec("PRAGMA wal_checkpoint(PASSIVE)"));
  await using second = await openEngine(dir.path);
  assertEquals(await second.get("unsealed"), "still here");
  await first.close();
});

Deno.test("a missing or garbage meta.json is rebuilt, never a new vault", async (t) => {
  for (
    const [label, damage] of [
      ["missing", (path: string) => Deno.remove(path)],
      ["garbage", (path: string) => Deno.writeTextFile(path, "{not json")],
      ["a wrong seal", (path: string) =>
        Deno.writeTextFile(
          path,
          JSON.stringify({ format: 1, seal: btoa("x".repeat(32)) }),
        )],
    ] as const
  ) {
    await t.step(label, async () => {
      await using dir = await tempDir();
      const seal = join(dir.path, "vault", "meta.json");
      {
        await using engine = await openEngine(dir.path);
        await engine.set("kept", "yes");
      }
      const salt = rawSql(
        dir.path,
        (db) =>
          db.prepare("SELECT value FROM meta WHERE key = 'salt'").get()?.value,
      );
      await damage(seal);
      {
        await using engine = await openEngine(dir.path);
        assertEquals(await engine.get("kept"), "yes");
      }
      assertEquals(
        rawSql(
          dir.path,
          (db) =>
            db.prepare("SELECT value FROM meta WHERE key = 'salt'").get()
              ?.value,
        ),
        salt,
      );
      assertEquals(
        typeof JSON.parse(await Deno.readTextFile(seal)).seal,
        "string",
      );
    });
  }
});

Deno.test("a replaced, shortened or missing keyfile is a KeyMismatchError", async (t) => {
  for (
    const [label, replacement] of [
      ["replaced", crypto.getRandomValues(new Uint8Array(32))],
      ["wrong length", new Uint8Array(31)],
      ["missing", null],
    ] as const
  ) {
    await t.step(label, async () => {
      await using dir = await tempDir();
      {
        await using engine = await openEngine(dir.path);
        await engine.set("a", "b");
      }
      const keyfile = join(dir.path, "vault", ".keyfile");
      await Deno.remove(keyfile);
      if (replacement) {
        await Deno.writeFile(keyfile, replacement, { mode: 0o400 });
      }
      const error = await assertRejects(
        () => openEngine(dir.path),
        KeyMismatchError,
      );
      assertEquals(error.code, "KEY_MISMATCH");
    });
  }
});

Deno.test("a missing store.db beside a keyfile is refused, not replaced", async () => {
  await using dir = await tempDir();
  {
    await using engine = await openEngine(dir.path);
    await engine.set("a", "b");
  }
  await Deno.remove(join(dir.path, "vault", "store.db"));
  await assertRejects(() => openEngine(dir.path), InitializationError);
  await Deno.stat(join(dir.path, "vault", ".keyfile"));
});

Deno.test({
  name: "files are created with owner-only modes, and loose modes are refused",
  ignore: !isPosix,
  fn: async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    const mode = (name: string) =>
      (Deno.statSync(join(vault, name)).mode ?? 0) & 0o777;
    {
      await using engine = await openEngine(dir.path);
      await engine.set("a", "b");
      assertEquals(mode("."), 0o700);
      assertEquals(mode(".keyfile"), 0o400);
      assertEquals(mode("store.db"), 0o600);
      assertEquals(mode("store.db-wal"), 0o600);
      assertEquals(mode("store.db-shm"), 0o600);
    }
    assertEquals(mode("meta.json"), 0o600);
    for (
      const [name, loose, restore] of [
        ["store.db", 0o644, 0o600],
        [".keyfile", 0o440, 0o400],
        ["meta.json", 0o606, 0o600],
        [".", 0o750, 0o700],
      ] as const
    ) {
      await Deno.chmod(join(vault, name), loose);
      const error = await assertRejects(
        () => openEngine(dir.path),
        SecurityError,
      );
      assertEquals(error.code, "SECURITY");
      await Deno.chmod(join(vault, name), restore);
    }
    await using engine = await openEngine(dir.path);
    assertEquals(await engine.get("a"), "b");
  },
});

Deno.test("a factor whose permission is missing is a PermissionError naming the flag", async () => {
  await using dir = await tempDir();
  const error = await assertRejects(
    () =>
      SecretsEngine.open({
        path: join(dir.path, "vault"),
        factors: ["hostname"],
      }),
    PermissionError,
  );
  assertEquals(error.flag, "--allow-sys=hostname");
  assert(error.message.includes("--allow-sys=hostname"));
  await assertRejects(
    () =>
      SecretsEngine.open({
        path: join(dir.path, "vault"),
        factors: ["serial" as "mac"],
      }),
    ValidationError,
  );
});

Deno.test("two engines on one vault see each other's writes", async () => {
  await using dir = await tempDir();
  await using a = await openEngine(dir.path);
  await using b = await openEngine(dir.path);
  assertEquals(b.size, 0);
  assertFalse(await b.has("shared"));
  await a.set("shared", "from a");
  assert(await b.has("shared"));
  assertEquals(await b.get("shared"), "from a");
  assertEquals(b.size, 1);
  assertEquals(await b.keys(), ["shared"]);
  await b.set("shared", "from b");
  await b.set("other", "x");
  assertEquals(await a.get("shared"), "from b");
  assertEquals(await a.keys(), ["other", "shared"]);
  assert(await a.delete("other"));
  assertEquals(await b.keys(), ["shared"]);
  assertEquals(b.size, 1);
});

Deno.test("bad options are a ValidationError before anything is touched", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "vault");
  for (
    const options of [
      null,
      "./vault",
      { path: "" },
      { path: 42 },
      { path, location: "desktop" },
      { path, busyTimeoutMs: -1 },
      { path, busyTimeoutMs: 1.5 },
      { path, factors: "hostname" },
    ]
  ) {
    await assertRejects(
      () => SecretsEngine.open(options as unknown as OpenOptions),
      ValidationError,
    );
  }
  await assertRejects(() => Deno.stat(path), Deno.errors.NotFound);
});

Deno.test("a write blocked past busyTimeoutMs is a BusyError and changes nothing", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "vault");
  {
    await using engine = await openEngine(dir.path);
    await engine.set("before", "1");
  }
  await using engine = await SecretsEngine.open({
    path,
    factors: [],
    busyTimeoutMs: 50,
  });
  const { DatabaseSync } = await import("node:sqlite");
  const holder = new DatabaseSync(join(path, "store.db"));
  holder.exec("BEGIN IMMEDIATE");
  try {
    const error = await assertRejects(
      () => engine.set("blocked", "2"),
      BusyError,
    );
    assertEquals(error.code, "BUSY");
    await assertRejects(() => engine.setMany({ a: "1", b: "2" }), BusyError);
    await assertRejects(() => engine.delete("before"), BusyError);
  } finally {
    holder.exec("ROLLBACK");
    holder.close();
  }
  assertEquals(await engine.keys(), ["before"]);
  await engine.set("after", "3");
  assertEquals(engine.size, 2);
});

// An iterable that threw inside setMany was reported as
// an OS I/O error.
Deno.test("an iterable that throws is the caller's error, with its cause, and writes nothing", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  const bug = new Error("caller bug");
  function* entries(): Generator<[string, string]> {
    yield ["a", "1"];
    throw bug;
  }
  function* names(): Generator<string> {
    yield "a";
    throw bug;
  }
  for (
    const call of [
      () => engine.setMany(entries()),
      () => engine.deleteMany(names()),
    ]
  ) {
    const error = await assertRejects(call, ValidationError);
    assertEquals(error.cause, bug);
  }
  assertEquals(await engine.keys(), []);
});
