import { assert, assertEquals, assertMatch, assertThrows } from "../_assert.ts";
import { ValidationError } from "../../src/errors.ts";
import {
  formatRecoveryKey,
  parseRecoveryKey,
} from "../../src/keys/recovery_key.ts";

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const bytes = crypto.getRandomValues(new Uint8Array(20));
const key = formatRecoveryKey(bytes);
const compact = key.replaceAll("-", "");

Deno.test("a key is 33 Crockford symbols in dashed groups of five, and reads back", () => {
  assertMatch(key, /^([0-9A-HJKMNP-TV-Z]{5}-){6}[0-9A-HJKMNP-TV-Z]{3}$/);
  assertEquals(parseRecoveryKey(key), bytes);
});

Deno.test("reading forgives case, dashes, spaces, O for 0 and I or L for 1", () => {
  assertEquals(parseRecoveryKey(compact.toLowerCase()), bytes);
  assertEquals(parseRecoveryKey(` ${key.replaceAll("-", " ")}\n`), bytes);
  const zeros = formatRecoveryKey(new Uint8Array(20));
  assertEquals(
    parseRecoveryKey(zeros.replaceAll("0", "o")),
    new Uint8Array(20),
  );
  const ones = formatRecoveryKey(new Uint8Array(20).fill(0x08));
  assert(ones.includes("1"));
  const typed = ones.replace("1", "l").replace("1", "I");
  assertEquals(parseRecoveryKey(typed), new Uint8Array(20).fill(0x08));
});

Deno.test("every single wrong symbol is reported as mistyped", () => {
  for (let at = 0; at < compact.length; at++) {
    for (const symbol of ALPHABET) {
      if (symbol === compact[at]) continue;
      const typo = compact.slice(0, at) + symbol + compact.slice(at + 1);
      assertThrows(() => parseRecoveryKey(typo), /mistyped/);
    }
  }
});

Deno.test("every swap of two different neighbours is reported as mistyped", () => {
  for (let at = 0; at + 1 < compact.length; at++) {
    if (compact[at] === compact[at + 1]) continue;
    const swapped = compact.slice(0, at) + compact[at + 1] + compact[at] +
      compact.slice(at + 2);
    assertThrows(() => parseRecoveryKey(swapped), /mistyped/);
  }
});

Deno.test("a key of the wrong length or alphabet is a ValidationError that never repeats it", () => {
  for (
    const bad of [
      compact.slice(1),
      compact + "0",
      compact.replace(/.$/, "U"),
      "",
    ]
  ) {
    assertThrows(
      () => parseRecoveryKey(bad),
      (error) =>
        error instanceof ValidationError &&
        !error.message.includes(compact.slice(0, 8)),
    );
  }
});

// The sample key in the README failed its own check character.
Deno.test("every recovery key the README shows passes its check character", () => {
  const readme = Deno.readTextFileSync(
    new URL("../../README.md", import.meta.url),
  );
  const shown =
    readme.match(/\b[0-9A-Z]{5}(?:-[0-9A-Z]{5}){5}-[0-9A-Z]{3}\b/g) ??
      [];
  assert(shown.length > 0, "the README shows no key");
  for (const key of shown) assertEquals(parseRecoveryKey(key).length, 20, key);
});
