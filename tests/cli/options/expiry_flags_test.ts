import { assertEquals, assertThrows } from "../../_assert.ts";
import { UsageError } from "../../../src/cli/failures.ts";
import {
  formatTime,
  parseExpires,
  parseTtl,
} from "../../../src/cli/options/expiry_flags.ts";

Deno.test("parseTtl reads a whole number and one unit", () => {
  assertEquals(parseTtl("90s"), 90_000);
  assertEquals(parseTtl("15m"), 900_000);
  assertEquals(parseTtl("12h"), 43_200_000);
  assertEquals(parseTtl("30d"), 2_592_000_000);
  assertEquals(parseTtl("2w"), 1_209_600_000);
  for (const bad of ["0s", "30", "d", "1.5h", "-1d", "1d2h", " 1d", "1D"]) {
    assertThrows(() => parseTtl(bad), UsageError, bad);
  }
});

Deno.test("parseExpires takes a UTC date or a time with its zone, in the future", () => {
  const now = Date.UTC(2026, 10, 26);
  assertEquals(parseExpires("2027-01-31", now), Date.UTC(2027, 0, 31));
  assertEquals(
    parseExpires("2027-01-31T18:00:00+01:00", now),
    Date.UTC(2027, 0, 31, 17),
  );
  assertEquals(
    parseExpires("2027-01-31T18:00Z", now),
    Date.UTC(2027, 0, 31, 18),
  );
  const bad = [
    "2026-11-26",
    "2020-01-01",
    "2027-02-30x",
    "2027-02-30",
    "2027-02-31T10:00Z",
    "2027-13-01",
    "2027-01-31T18:00",
    "31/01/2027",
    "tomorrow",
  ];
  for (const text of bad) {
    assertThrows(() => parseExpires(text, now), UsageError, text);
  }
});

Deno.test("formatTime prints UTC to the second, or - for none", () => {
  assertEquals(
    formatTime(new Date(Date.UTC(2027, 0, 31, 1, 2, 3, 456))),
    "2027-01-31T01:02:03Z",
  );
  assertEquals(formatTime(null), "-");
});
