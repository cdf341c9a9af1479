import { assert, assertEquals } from "./_assert.ts";
import {
  BusyError,
  ClosedError,
  DecryptionError,
  InitializationError,
  IntegrityError,
  KeyMismatchError,
  KeyNotFoundError,
  PermissionError,
  SecretsEngineError,
  SecurityError,
  ValidationError,
} from "../mod.ts";

Deno.test("every error has its stable code and class name", () => {
  const errors: [SecretsEngineError, string][] = [
    [new SecurityError("m"), "SECURITY"],
    [new IntegrityError("m"), "INTEGRITY"],
    [new KeyMismatchError("m"), "KEY_MISMATCH"],
    [new KeyNotFoundError("m"), "KEY_NOT_FOUND"],
    [new DecryptionError("m"), "DECRYPTION"],
    [new InitializationError("m"), "INITIALIZATION"],
    [new PermissionError("--allow-read=/v", "m"), "PERMISSION"],
    [new ValidationError("m"), "VALIDATION"],
    [new ClosedError(), "CLOSED"],
    [new BusyError(10), "BUSY"],
  ];
  for (const [error, code] of errors) {
    assert(error instanceof SecretsEngineError && error instanceof Error);
    assertEquals(error.code, code);
    assertEquals(error.name, error.constructor.name);
  }
  assertEquals(new Set(errors.map(([, code]) => code)).size, errors.length);
});

Deno.test("PermissionError carries the flag and ends its message with it", () => {
  const error = new PermissionError(
    "--allow-write=/srv/v",
    "the vault needs write access",
  );
  assertEquals(error.flag, "--allow-write=/srv/v");
  assertEquals(
    error.message,
    "the vault needs write access: run with --allow-write=/srv/v",
  );
});

Deno.test("a cause is kept", () => {
  const cause = new Error("sqlite said no");
  assertEquals(new IntegrityError("damaged", { cause }).cause, cause);
});
