import { assertEquals, assertFalse } from "../_assert.ts";
import { deriveSubKeys, equalBytes, randomBytes } from "../../src/crypto.ts";
import {
  annotationMac,
  copyMac,
  coveredMac,
  type CoveredRow,
  exposureMac,
  historyLimitMac,
  historyMac,
  replicaMac,
  rowMac,
  settingMac,
  slotMac,
  unversionedRowMac,
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

Deno.test("coveredMac gives each kind of row the MAC of its own kind", () => {
  const keys = deriveSubKeys(randomBytes(32), randomBytes(32));
  const sealed = { name_hash: "abc", sealed: new Uint8Array([7]) };
  const slot = {
    id: "abcdefgh",
    kind: "key",
    label: "ci",
    created: 1,
    kdf: "{}",
    salt: new Uint8Array([1]),
    factors: "[]",
    wrapped: new Uint8Array([2]),
  };
  const copy = { vaultId: new Uint8Array([3]), recipient: new Uint8Array([4]) };
  const { name_hash, name, value, created, updated } = row;
  const unversioned = { name_hash, name, value, created, updated };
  const cases: [CoveredRow, Uint8Array][] = [
    [{ entry: row }, rowMac(keys.row, row)],
    [{ unversioned }, unversionedRowMac(keys.row, unversioned)],
    [{ history: row }, historyMac(keys.row, row)],
    [{ annotation: sealed }, annotationMac(keys.row, sealed)],
    [{ exposure: sealed }, exposureMac(keys.row, sealed)],
    [{ replica: sealed }, replicaMac(keys.row, sealed)],
    [{ slot }, slotMac(keys.row, slot)],
    [{ copy }, copyMac(keys, copy)],
    [{ historyLimit: 5 }, historyLimitMac(keys, 5)],
  ];
  for (const [covered, mac] of cases) {
    assertEquals(coveredMac(keys, covered), mac);
  }
});
