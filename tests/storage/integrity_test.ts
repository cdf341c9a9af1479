import { assertEquals, assertFalse } from "../_assert.ts";
import assertStrict from "node:assert/strict";
import { equalBytes, randomBytes } from "../../src/crypto.ts";
import { IntegrityError } from "../../src/errors.ts";
import {
  decodeIntegrity,
  encodeIntegrity,
  rowMac,
  xorInto,
} from "../../src/storage/integrity.ts";
import type { EntryRow } from "../../src/storage/schema.ts";

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
