import { assertEquals, assertThrows } from "../_assert.ts";
import { resolve } from "node:path";
import { PermissionError } from "../../src/errors.ts";
import { resolveVaultPath } from "../../src/storage/location.ts";

const envGranted = (variable: string) =>
  Deno.permissions.querySync({ name: "env", variable }).state === "granted";

Deno.test("an explicit path wins and needs no environment access", () => {
  assertEquals(resolveVaultPath({ path: "./.secrets" }), resolve(".secrets"));
  assertEquals(
    resolveVaultPath({ path: "/srv/v", location: "home" }),
    resolve("/srv/v"),
  );
});

Deno.test({
  name:
    "a default location without --allow-env is a PermissionError naming the variable",
  ignore: envGranted("HOME") || Deno.build.os === "windows",
  fn: () => {
    assertThrows(
      () => resolveVaultPath({ location: "home" }),
      (error: unknown) =>
        error instanceof PermissionError && error.flag === "--allow-env=HOME" &&
        error.message.includes("path"),
    );
    assertThrows(
      () => resolveVaultPath(),
      (error: unknown) =>
        error instanceof PermissionError &&
        error.flag === "--allow-env=XDG_CONFIG_HOME",
    );
  },
});
