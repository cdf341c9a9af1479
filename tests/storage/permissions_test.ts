import { assertThrows } from "../_assert.ts";
import { PermissionError } from "../../src/errors.ts";
import { requireVaultAccess } from "../../src/storage/permissions.ts";
import { tempDir } from "../_helpers.ts";

Deno.test("granted read and write pass", async () => {
  await using dir = await tempDir();
  requireVaultAccess(dir.path);
});

const outside = "/nonexistent-grant-check/vault";
const granted = (name: "read" | "write") =>
  Deno.permissions.querySync({ name, path: outside }).state === "granted";

// Under unscoped grants this is ignored; tests/process/least_privilege_test.ts
// covers it with a child that is granted only its vault.
Deno.test({
  name: "a path outside the grant is a PermissionError naming the flag",
  ignore: granted("read") && granted("write"),
  fn: () => {
    const missing = granted("read") ? "write" : "read";
    assertThrows(
      () => requireVaultAccess(outside),
      (error: unknown) =>
        error instanceof PermissionError &&
        error.flag === `--allow-${missing}=${outside}`,
    );
  },
});
