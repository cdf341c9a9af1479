import { assertEquals, assertFalse } from "../_assert.ts";
import { equalBytes, randomBytes } from "../../src/crypto.ts";
import {
  historyMac,
  rowMac,
  settingMac,
  xorInto,
} from "../../src/storage/macs.ts";
import type { EntryRow, HistoryRow } from "../../src/storage/columns.ts";

const row: EntryRow = {
  name_hash: "abc",
  name: new Uint8Array([1, 2]),
  value: new Uint8Array([3]),
  kind: "text",
  expires: null,
  version: 1,
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
    { ...row, kind: "bytes" },
    { ...row, expires: 0 },
    { ...row, expires: 5 },
    { ...row, version: 2 },
  ];
  for (const variant of variants) {
    assertFalse(equalBytes(rowMac(key, variant), mac));
  }
  assertFalse(equalBytes(rowMac(randomBytes(32), row), mac));
});

Deno.test("historyMac covers every field and differs from rowMac and settingMac", () => {
  const key = randomBytes(32);
  const version: HistoryRow = {
    name_hash: "abc",
    version: 1,
    value: new Uint8Array([3]),
    kind: "text",
    expires: null,
    updated: 2,
  };
  const mac = historyMac(key, version);
  const variants: HistoryRow[] = [
    { ...version, name_hash: "abd" },
    { ...version, version: 2 },
    { ...version, value: new Uint8Array([4]) },
    { ...version, kind: "bytes" },
    { ...version, expires: 0 },
    { ...version, updated: 3 },
  ];
  for (const variant of variants) {
    assertFalse(equalBytes(historyMac(key, variant), mac));
  }
  assertFalse(equalBytes(rowMac(key, { ...version, ...row }), mac));
  assertFalse(
    equalBytes(
      settingMac(key, "a", new Uint8Array([1])),
      settingMac(key, "a", new Uint8Array([2])),
    ),
  );
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
