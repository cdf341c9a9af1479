import assertStrict from "node:assert/strict";
import { join } from "node:path";
import { assert, assertEquals, assertRejects } from "./_assert.ts";
import { SecretsEngine, ValidationError } from "../mod.ts";
import {
  checkDocument,
  DOCUMENT_TYPE,
  parseDocument,
} from "../src/document.ts";
import { openVault, tempDir } from "./_helpers.ts";

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
    [doc([], 3), /version 3; this version reads up to 2/],
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
    assertStrict.throws(
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
  await using source = await openVault(dir.path);
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
  await using source = await openVault(dir.path);
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
  await using engine = await openVault(dir.path);
  assertEquals(await engine.importEntries(checkDocument(doc([entry("a")]))), 1);
  assertEquals((await engine.getEntry("a"))?.expiresAt, null);
});

Deno.test("importEntries is all or nothing: conflicts are listed, a bad entry writes nothing", async () => {
  await using dir = await tempDir();
  await using engine = await openVault(dir.path);
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
