import { assertEquals, assertThrows } from "./_assert.ts";
import { ValidationError } from "../mod.ts";
import { decodeBase64, encodeBase64 } from "../src/base64.ts";

Deno.test("base64 round-trips every length, past one encoding chunk", () => {
  for (const length of [0, 1, 2, 3, 4, 24_575, 24_576, 24_577, 100_000]) {
    const bytes = Uint8Array.from({ length }, (_, i) => (i * 31) & 0xff);
    let binary = "";
    for (const byte of bytes) binary += String.fromCharCode(byte);
    const text = encodeBase64(bytes);
    assertEquals(text, btoa(binary));
    assertEquals(decodeBase64(text, "value"), bytes);
  }
});

Deno.test("decodeBase64 refuses what is not padded standard base64, naming what", () => {
  for (const text of ["A", "AA", "AAE", "AA==A", "AA E=", "-_8=", "AAE=\n"]) {
    assertThrows(
      () => decodeBase64(text, "the thing"),
      (error) =>
        error instanceof ValidationError && /the thing/.test(error.message),
    );
  }
});

Deno.test("no caller-sized array is spread into a call's arguments in src/", () => {
  // Math.max(...array) overflowed the stack at 200,000 entries. The spreads
  // left are of fixed size: base64's chunks and a value's few text forms.
  const found = new Deno.Command("git", {
    args: [
      "grep",
      "-nE",
      "(Math\\.(max|min)|\\.push|fromCharCode|\\.apply)\\(\\.\\.\\.",
      "--",
      "src",
    ],
    stdout: "piped",
  }).outputSync();
  const lines = new TextDecoder().decode(found.stdout).split("\n")
    .filter((line) => line !== "" && !/^\S+:\d+:\s*\/\//.test(line));
  assertEquals(lines.map((line) => line.split(":")[0]), [
    "src/base64.ts",
    "src/cli/leaks/encodings.ts",
  ]);
});
