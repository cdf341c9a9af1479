import { assertEquals, assertThrows } from "../_assert.ts";
import { ValidationError } from "../../src/errors.ts";
import {
  MAX_NAME_BYTES,
  MAX_PATTERN_LENGTH,
  MAX_VALUE_BYTES,
} from "../../src/limits.ts";
import {
  validateName,
  validatePattern,
  validateStoredName,
  validateValue,
} from "../../src/rules/validate.ts";

Deno.test("valid names, values and patterns pass through", () => {
  assertEquals(validateName("openai.apiKey"), "openai.apiKey");
  assertEquals(
    validateName("ü".repeat(MAX_NAME_BYTES / 2)),
    "ü".repeat(MAX_NAME_BYTES / 2),
  );
  assertEquals(
    validateValue("-----BEGIN KEY-----\nabc\n"),
    "-----BEGIN KEY-----\nabc\n",
  );
  assertEquals(
    validateValue("v".repeat(MAX_VALUE_BYTES)).length,
    MAX_VALUE_BYTES,
  );
  assertEquals(validatePattern("**.id"), "**.id");
});

Deno.test("limits are counted in UTF-8 bytes", () => {
  assertThrows(
    () => validateName("ü".repeat(MAX_NAME_BYTES / 2 + 1)),
    ValidationError,
  );
});

Deno.test("invalid input throws ValidationError without echoing it", () => {
  for (
    const input of [
      undefined,
      null,
      1,
      {},
      "",
      "tab\there",
      "del\u007f",
      "c1\u0085",
      "\udc00x",
    ]
  ) {
    assertThrows(() => validateName(input), (error: unknown) => {
      return error instanceof ValidationError &&
        !error.message.includes("here") &&
        error.code === "VALIDATION";
    });
  }
  assertThrows(() => validateValue("\ud800"), ValidationError);
  assertThrows(() => validatePattern("a\nb"), ValidationError);
});

// Look-alike names.
Deno.test("names are NFC, without format characters; stored names are looked up as given", () => {
  assertEquals(validateName("cafe\u0301"), "caf\u00e9");
  for (const lookAlike of ["a\u202eb", "a\u200bb", "\ufeffa", "a\u2066b"]) {
    assertThrows(() => validateName(lookAlike), ValidationError);
    assertEquals(validateStoredName(lookAlike), lookAlike);
  }
  assertThrows(() => validateStoredName("a\nb"), ValidationError);
});

// Patterns are capped, so one match is bounded.
Deno.test("patterns longer than MAX_PATTERN_LENGTH are a ValidationError", () => {
  assertEquals(validatePattern("*".repeat(MAX_PATTERN_LENGTH)).length, 256);
  assertThrows(
    () => validatePattern("*".repeat(MAX_PATTERN_LENGTH + 1)),
    ValidationError,
  );
});
