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
