import { assert, assertEquals } from "./_assert.ts";
import {
  BusyError,
  ClosedError,
  DecryptionError,
  InitializationError,
  IntegrityError,
  KeyMismatchError,
  KeyNotFoundError,
  libraryRemedy,
  PermissionError,
  type Remedy,
  SecretsEngineError,
  SecurityError,
  ValidationError,
} from "../mod.ts";
import { cliMessage } from "../src/cli/wording.ts";
import { withWayOut } from "../src/vault/guard.ts";

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

Deno.test("an error carries its remedy as data: the library words it in the message, the CLI in its own terms", () => {
  const cases: [Remedy, string, string][] = [
    [{ kind: "recover" }, "open it with recover: true", "run secrets recover"],
    [
      { kind: "overwrite" },
      "pass overwrite to replace them",
      "pass --overwrite to replace them",
    ],
    [{ kind: "list-slots" }, "slots() lists them", "secrets slots lists them"],
    [
      { kind: "list-members" },
      "members() lists them",
      "secrets members lists them",
    ],
    [
      { kind: "remote-password" },
      "pass the role's password",
      "set PGPASSWORD or a ~/.pgpass line, or run at a terminal to type it",
    ],
    [
      { kind: "unlock" },
      "open it with unlock",
      "pass --passphrase, --key-file, --key-env or --identity",
    ],
    [
      { kind: "destroy-vault" },
      "finish with SecretsEngine.destroyVault",
      "finish with secrets destroy --yes",
    ],
    [{ kind: "path" }, "pass `path`", "pass --path DIR"],
    [
      { kind: "permission", flag: "--allow-env=HOME", orPath: true },
      "pass `path`, or run with --allow-env=HOME",
      "pass --path DIR, or run with --allow-env=HOME",
    ],
  ];
  for (const [remedy, library, cli] of cases) {
    const error = new IntegrityError("it broke", { remedy });
    assertEquals(error.message, `it broke: ${library}`);
    assertEquals([error.problem, error.remedy], ["it broke", remedy]);
    assertEquals(libraryRemedy(remedy), library);
    assertEquals(cliMessage(error), `it broke: ${cli}`);
  }
  const plain = new IntegrityError("it broke");
  assertEquals([plain.message, plain.remedy, cliMessage(plain)], [
    "it broke",
    null,
    "it broke",
  ]);
  const permission = new PermissionError("--allow-read=/v", "needs read");
  assertEquals(permission.remedy, {
    kind: "permission",
    flag: "--allow-read=/v",
    orPath: undefined,
  });
  assertEquals(permission.message, "needs read: run with --allow-read=/v");
});

Deno.test("every IntegrityError that reaches a caller names a way out, once", () => {
  const bare = withWayOut(new IntegrityError("the tag does not verify"));
  assertEquals(bare.remedy, { kind: "recover" });
  const own = new IntegrityError("a marker", {
    remedy: { kind: "destroy-vault" },
  });
  assertEquals(withWayOut(own), own);
});
