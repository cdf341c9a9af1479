import { assertEquals, assertThrows } from "../_assert.ts";
import { deriveSubKeys, randomBytes } from "../../src/crypto.ts";
import { IntegrityError } from "../../src/errors.ts";
import {
  Accumulator,
  decodeIntegrity,
  encodeIntegrity,
} from "../../src/storage/accumulator.ts";

Deno.test("the integrity record rejects a changed X, count or tag", () => {
  const key = randomBytes(32);
  const record = encodeIntegrity(key, { x: randomBytes(32), count: 5 });
  assertEquals(decodeIntegrity(key, record).count, 5);
  for (const at of [0, 39, 71]) {
    const altered = record.slice();
    altered[at] ^= 1;
    assertThrows(() => decodeIntegrity(key, altered), IntegrityError);
  }
  assertThrows(
    () => decodeIntegrity(randomBytes(32), record),
    IntegrityError,
  );
  assertThrows(() => decodeIntegrity(key, "text"), IntegrityError);
});

Deno.test("the accumulator: a row added then removed leaves it as it was, and the count follows the entries", () => {
  const keys = deriveSubKeys(randomBytes(32));
  const row = {
    name_hash: "h",
    name: new Uint8Array([1]),
    value: new Uint8Array([2]),
    kind: "text" as const,
    expires: null,
    version: 1,
    created: 1,
    updated: 1,
  };
  const start = Accumulator.empty(keys).addHistoryLimit(10);
  const changed = Accumulator.decode(keys, start.encode()).addEntry(row);
  assertEquals(changed.count, 1);
  assertEquals(changed.matches(start), false);
  changed.replaceEntry(row, { ...row, version: 2 });
  changed.removeEntry({ ...row, version: 2 });
  assertEquals([changed.count, changed.matches(start)], [0, true]);
  assertThrows(
    () => Accumulator.decode(deriveSubKeys(randomBytes(32)), start.encode()),
    IntegrityError,
  );
});
