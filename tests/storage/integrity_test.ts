import { assertEquals } from "../_assert.ts";
import assertStrict from "node:assert/strict";
import { randomBytes } from "../../src/crypto.ts";
import { IntegrityError } from "../../src/errors.ts";
import {
  decodeIntegrity,
  encodeIntegrity,
} from "../../src/storage/integrity.ts";

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
