import { assert, assertEquals, assertFalse } from "./_assert.ts";
import assertStrict from "node:assert/strict";
import { join } from "node:path";
import { deriveSubKeys, equalBytes, randomBytes } from "../src/crypto.ts";
import { IntegrityError } from "../src/errors.ts";
import {
  decodeIntegrity,
  encodeIntegrity,
  hashDatabase,
  readSeal,
  rowMac,
  writeSeal,
  xorInto,
} from "../src/integrity.ts";
import type { EntryRow } from "../src/schema.ts";
import { tempDir } from "./_helpers.ts";

const row: EntryRow = {
  name_hash: "abc",
  name: new Uint8Array([1, 2]),
  value: new Uint8Array([3]),
  created: 1,
  updated: 2,
};

Deno.test("rowMac covers every field, with unambiguous boundaries", () => {
  const key = randomBytes(32);
  const mac = rowMac(key, row);
  const variants: EntryRow[] = [
    { ...row, name_hash: "abd" },
    { ...row, name: new Uint8Array([1]), value: new Uint8Array([2, 3]) },
    { ...row, value: new Uint8Array([4]) },
    { ...row, created: 2 },
    { ...row, updated: 3 },
  ];
  for (const variant of variants) {
    assertFalse(equalBytes(rowMac(key, variant), mac));
  }
  assertFalse(equalBytes(rowMac(randomBytes(32), row), mac));
});

Deno.test("xorInto adds and removes a MAC, in any order", () => {
  const a = randomBytes(32);
  const b = randomBytes(32);
  const x = new Uint8Array(32);
  xorInto(x, a);
  xorInto(x, b);
  xorInto(x, a);
  assertEquals(x, b);
});

Deno.test("the integrity record rejects a changed X, count or tag", () => {
  const key = randomBytes(32);
  const record = encodeIntegrity(key, { x: randomBytes(32), count: 5 });
  assertEquals(decodeIntegrity(key, record).count, 5);
  for (const at of [0, 39, 71]) {
    const altered = record.slice();
    altered[at] ^= 1;
    assertStrict.throws(() => decodeIntegrity(key, altered), IntegrityError);
  }
  assertStrict.throws(
    () => decodeIntegrity(randomBytes(32), record),
    IntegrityError,
  );
  assertStrict.throws(() => decodeIntegrity(key, "text"), IntegrityError);
});

Deno.test("hashDatabase is keyed and covers every byte", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "store.db");
  const bytes = randomBytes(3 << 20);
  await Deno.writeFile(path, bytes);
  const keys = deriveSubKeys(randomBytes(32));
  const mac = hashDatabase(keys.seal, path);
  assert(equalBytes(hashDatabase(keys.seal, path), mac));
  assertFalse(equalBytes(hashDatabase(keys.row, path), mac));
  bytes[bytes.length - 1] ^= 1;
  await Deno.writeFile(path, bytes);
  assertFalse(equalBytes(hashDatabase(keys.seal, path), mac));
});

Deno.test("the seal round-trips through meta.json, and garbage reads as none", async () => {
  await using dir = await tempDir();
  assertEquals(readSeal(dir.path), null);
  const seal = randomBytes(32);
  writeSeal(dir.path, seal, 1);
  assertEquals(readSeal(dir.path), seal);
  await Deno.writeTextFile(join(dir.path, "meta.json"), "[1,");
  assertEquals(readSeal(dir.path), null);
});
