import { assertEquals } from "./_assert.ts";
import assertStrict from "node:assert/strict";
import { PermissionError } from "../src/errors.ts";
import {
  factorFlag,
  grantedFactors,
  parseFactors,
  readFactors,
  requireFactors,
} from "../src/identity.ts";

const sysGranted = (kind: "hostname") =>
  Deno.permissions.querySync({ name: "sys", kind }).state === "granted";

Deno.test("each factor names the exact flag it needs", () => {
  assertEquals(factorFlag("hostname"), "--allow-sys=hostname");
  assertEquals(factorFlag("mac"), "--allow-sys=networkInterfaces");
  assertEquals(factorFlag("user"), "--allow-sys=userInfo,uid,gid");
});

Deno.test("only granted factors are chosen by default", () => {
  assertEquals(grantedFactors().includes("hostname"), sysGranted("hostname"));
});

Deno.test({
  name: "a factor without its permission is a PermissionError with the flag",
  ignore: sysGranted("hostname"),
  fn: () => {
    assertStrict.throws(
      () => requireFactors(["hostname"]),
      (error: unknown) =>
        error instanceof PermissionError &&
        error.flag === "--allow-sys=hostname",
    );
    assertStrict.throws(() => readFactors(["hostname"]), PermissionError);
  },
});

Deno.test("no factors still give a fixed, non-empty encoding", () => {
  assertEquals(new TextDecoder().decode(readFactors([])), "[]");
});

Deno.test("parseFactors accepts known names only, in canonical order", () => {
  assertEquals(parseFactors(["user", "mac", "user"]), ["mac", "user"]);
  assertEquals(parseFactors([]), []);
  assertEquals(parseFactors(["serial"]), null);
  assertEquals(parseFactors("hostname"), null);
});
