import { join } from "node:path";
import {
  assert,
  assertEquals,
  assertRejects,
  assertThrows,
} from "../_assert.ts";
import { SecretsEngine, ValidationError } from "../../mod.ts";
import { DOCUMENT_TYPE } from "../../src/rules/document.ts";
import { checkDocument, parseDocument } from "../../src/rules/document.ts";
import { openEngine, tempDir } from "../_helpers.ts";

const entry = (name: string, value = "v") => ({
  name,
  kind: "text",
  value,
  created: "2026-01-02T03:04:05.678Z",
  updated: "2026-02-03T04:05:06.789Z",
});
const doc = (entries: unknown[], version = 1) => ({
  type: DOCUMENT_TYPE,
  version,
  exported: "2026-03-01T00:00:00.000Z",
  entries,
});

Deno.test("a bad document names the entry and why, never the value", () => {
  const cases: [unknown, RegExp][] = [
    ["{", /not JSON/],
    [{ type: "other" }, /not a @scope\/secrets export/],
    [doc([], 5), /version 5; this version reads up to 4/],
    [doc([entry("ok"), { ...entry("x"), value: 5 }]), /entry 2 \("x"\)/],
    [doc([{ ...entry("k"), kind: "binary" }]), /kind "binary"/],
    [
      doc([{ ...entry("b", "AA"), kind: "bytes" }]),
      /not padded standard base64/,
    ],
    [doc([{ ...entry("e"), expires: "soon" }]), /expires must be an ISO 8601/],
    [doc([entry("a\u0007b")]), /entry 1: name/],
    [doc([{ ...entry("t"), created: "yesterday" }]), /ISO 8601/],
    [doc([entry("d"), entry("d")]), /entry 2: repeats the name of entry 1/],
  ];
  for (const [input, message] of cases) {
    assertThrows(
      () =>
        typeof input === "string" ? parseDocument(input) : checkDocument(input),
      (error: unknown) =>
        error instanceof ValidationError && message.test(error.message),
      String(message),
    );
  }
});

Deno.test("exportEntries and importEntries round-trip names, values and timestamps", async () => {
  await using dir = await tempDir();
  await using source = await openEngine(dir.path);
  await source.setMany({ "db.url": "postgres://x", "api.key": "k\nline" });
  const exported = await source.exportEntries();
  assertEquals(exported.entries.map((e) => e.name), ["api.key", "db.url"]);
  await using target = await SecretsEngine.open({
    path: join(dir.path, "other"),
  });
  assertEquals(await target.importEntries(exported), 2);
  assertEquals(
    (await target.exportEntries()).entries,
    exported.entries,
  );
  assertEquals((await source.exportEntries("db.*")).entries.length, 1);
});

Deno.test("documents carry bytes as base64 and expiry; expired entries are not exported", async () => {
  await using dir = await tempDir();
  await using source = await openEngine(dir.path);
  const bytes = new Uint8Array([0, 255, 10, 13, 0x80]);
  const expires = Date.now() + 60_000;
  await source.set("tls.key", bytes, { expiresAt: expires });
  await source.set("gone", "x", { ttlMs: 1 });
  await new Promise((resolve) => setTimeout(resolve, 5));
  const exported = await source.exportEntries();
  assertEquals(exported.version, 2);
  assertEquals(exported.entries.map((e) => e.name), ["tls.key"]);
  assertEquals(exported.entries[0].kind, "bytes");
  assertEquals(exported.entries[0].value, "AP8KDYA=");
  assertEquals(exported.entries[0].expires, new Date(expires).toISOString());
  await using target = await SecretsEngine.open({
    path: join(dir.path, "other"),
  });
  assertEquals(await target.importEntries(checkDocument(exported)), 1);
  assertEquals(await target.keys(), ["tls.key"]);
  const entry = await target.getEntry("tls.key");
  assertEquals(entry?.value, bytes);
  assertEquals(entry?.expiresAt?.getTime(), expires);
});

Deno.test("a version 1 document (text only, no expiry) still imports", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  assertEquals(await engine.importEntries(checkDocument(doc([entry("a")]))), 1);
  assertEquals((await engine.getEntry("a"))?.expiresAt, null);
});

Deno.test("importEntries is all or nothing: conflicts are listed, a bad entry writes nothing", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  await engine.set("taken", "old");
  const conflict = await assertRejects(
    () =>
      engine.importEntries(checkDocument(doc([entry("new"), entry("taken")]))),
    ValidationError,
  );
  assert(conflict.message.includes('"taken"'), conflict.message);
  assertEquals(await engine.keys(), ["taken"]);
  await assertRejects(
    () =>
      engine.importEntries(
        doc([entry("fine"), { ...entry("bad"), value: 42 }]) as never,
      ),
    ValidationError,
  );
  assertEquals(await engine.keys(), ["taken"]);
  assertEquals(
    await engine.importEntries(checkDocument(doc([entry("taken", "new")])), {
      overwrite: true,
    }),
    1,
  );
  assertEquals(await engine.get("taken"), "new");
});

Deno.test("a history export keeps every version's number, kind, time and expiry, and imports them back", async () => {
  await using dir = await tempDir();
  await using source = await openEngine(dir.path);
  await source.setHistoryLimit(20);
  for (let i = 1; i <= 12; i++) await source.set("db.password", `p${i}`);
  await source.set("db.password", new Uint8Array([7, 0]));
  const expires = Date.now() + 60_000;
  await source.set("api.key", "sk-1", { expiresAt: expires });
  await source.set("gone", "old", { ttlMs: 1 });
  await new Promise((resolve) => setTimeout(resolve, 5));
  const plain = await source.exportEntries();
  assertEquals([plain.version, plain.entries.length], [2, 2]);
  assertEquals(plain.entries[0].versions, undefined);
  const doc = await source.exportEntries(undefined, {
    history: true,
    expired: true,
  });
  assertEquals(doc.version, 3);
  assertEquals(doc.entries.map((e) => e.name), [
    "api.key",
    "db.password",
    "gone",
  ]);
  const password = doc.entries[1];
  assertEquals(password.version, 13);
  assertEquals(password.versions?.map((v) => v.version), [
    12,
    11,
    10,
    9,
    8,
    7,
    6,
    5,
    4,
    3,
    2,
    1,
  ]);
  await using target = await SecretsEngine.open({
    path: join(dir.path, "other"),
    historyLimit: 3,
  });
  assertEquals(await target.importEntries(checkDocument(doc)), 3);
  assertEquals((await target.info()).historyLimit, 12, "raised to keep all");
  assertEquals(await target.getBytes("db.password"), new Uint8Array([7, 0]));
  assertEquals((await target.getVersion("db.password", 1))?.value, "p1");
  assertEquals(
    (await target.history("db.password")).map((v) => v.version),
    (await source.history("db.password")).map((v) => v.version),
  );
  assertEquals(await target.keys("**", { expired: true }), ["gone"]);
  assertEquals(await target.get("gone"), null);
  assertEquals(
    (await target.exportEntries(undefined, { history: true, expired: true }))
      .entries,
    doc.entries,
  );
});

Deno.test("a version 3 document with a malformed version list imports nothing", () => {
  const versioned = (versions: unknown, version: unknown = 3) => ({
    ...entry("v"),
    version,
    versions,
  });
  const earlier = (version: unknown) => ({
    version,
    kind: "text",
    value: "old",
    updated: "2026-01-01T00:00:00.000Z",
    expires: null,
  });
  const cases: [unknown, RegExp][] = [
    [versioned([earlier(3)]), /below the one before it/],
    [versioned([earlier(1), earlier(2)]), /version 2 of its versions/],
    [versioned([earlier(0)]), /version must be a whole number/],
    [versioned([{ ...earlier(1), kind: "x" }]), /kind "x"/],
    [versioned([{ ...earlier(1), updated: "then" }]), /updated must be/],
    [versioned("no"), /versions must be a list/],
    [versioned([earlier(1)], 0), /version must be a whole number from 1/],
    [{ ...entry("v"), versions: [earlier(1)] }, /need the entry's own version/],
  ];
  for (const [input, message] of cases) {
    assertThrows(
      () => checkDocument(doc([input], 3)),
      (error: unknown) =>
        error instanceof ValidationError && message.test(error.message) &&
        !error.message.includes("old"),
      String(message),
    );
  }
});

Deno.test("export options that are not booleans are a ValidationError", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  for (const options of [null, { history: "yes" }, { expired: 1 }]) {
    await assertRejects(
      () => engine.exportEntries(undefined, options as never),
      ValidationError,
    );
  }
});
