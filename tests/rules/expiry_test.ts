import { assertEquals, assertThrows } from "../_assert.ts";
import { ValidationError } from "../../mod.ts";
import { hasExpiry, resolveExpiry } from "../../src/rules/expiry.ts";

const NOW = 1_800_000_000_000;

Deno.test("resolveExpiry turns a Date, epoch ms or a TTL into epoch ms, and nothing into null", () => {
  assertEquals(resolveExpiry(undefined, NOW), null);
  assertEquals(resolveExpiry({}, NOW), null);
  assertEquals(resolveExpiry({ ttlMs: 5 }, NOW), NOW + 5);
  assertEquals(resolveExpiry({ expiresAt: NOW + 1 }, NOW), NOW + 1);
  assertEquals(resolveExpiry({ expiresAt: new Date(NOW + 9) }, NOW), NOW + 9);
});

Deno.test("resolveExpiry refuses the present, the past and what is not a time", () => {
  const bad = [
    { expiresAt: NOW },
    { expiresAt: new Date(NOW - 1) },
    { expiresAt: 8.64e15 + 1 },
    { expiresAt: Infinity },
    { ttlMs: 8.64e15 },
    null,
  ];
  for (const options of bad) {
    assertThrows(() => resolveExpiry(options, NOW), ValidationError);
  }
});

Deno.test("hasExpiry tells an expiry given from none", () => {
  assertEquals([hasExpiry(undefined), hasExpiry({})], [false, false]);
  assertEquals(hasExpiry({ expiresAt: NOW }), true);
});
