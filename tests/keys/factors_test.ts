import { assertEquals, assertThrows } from "../_assert.ts";
import { PermissionError, ValidationError } from "../../src/errors.ts";
import {
  factorFlag,
  parseFactors,
  readFactors,
  recordedFactors,
  requireFactors,
} from "../../src/keys/factors.ts";

const sysGranted = (kind: "hostname") =>
  Deno.permissions.querySync({ name: "sys", kind }).state === "granted";

Deno.test("each factor names the exact flag it needs", () => {
  assertEquals(factorFlag("hostname"), "--allow-sys=hostname");
  assertEquals(factorFlag("mac"), "--allow-sys=networkInterfaces");
  assertEquals(factorFlag("user"), "--allow-sys=userInfo,uid,gid");
});

Deno.test({
  name: "a factor without its permission is a PermissionError with the flag",
  ignore: sysGranted("hostname"),
  fn: () => {
    assertThrows(
      () => requireFactors(["hostname"]),
      (error: unknown) =>
        error instanceof PermissionError &&
        error.flag === "--allow-sys=hostname",
    );
    assertThrows(() => readFactors(["hostname"]), PermissionError);
  },
});

Deno.test("no factors still give a fixed, non-empty encoding", () => {
  assertEquals(new TextDecoder().decode(readFactors([])), "[]");
});

Deno.test("parseFactors accepts hostname and user only, in canonical order", () => {
  assertEquals(parseFactors(["user", "hostname", "user"]), [
    "hostname",
    "user",
  ]);
  assertEquals(parseFactors([]), []);
  for (const bad of [["serial"], "hostname", null]) {
    assertThrows(() => parseFactors(bad), ValidationError);
  }
});

// The MAC of "the first interface by name" changed with
// every Docker bridge or VPN and locked the vault.
Deno.test("mac factor: no longer offered for new vaults, still read for old ones", () => {
  assertThrows(
    () => parseFactors(["mac"]),
    (error: unknown) =>
      error instanceof ValidationError &&
      /no longer offered/.test(error.message),
  );
  assertEquals(recordedFactors(["hostname", "mac", "user"]), [
    "hostname",
    "mac",
    "user",
  ]);
  assertEquals(recordedFactors(["serial"]), null);
});
