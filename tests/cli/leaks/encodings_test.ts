import { assert, assertEquals } from "../../_assert.ts";
import { encodeBase64 } from "../../../src/base64.ts";
import { encodings } from "../../../src/cli/leaks/encodings.ts";

const decoder = new TextDecoder();

function contains(haystack: string, form: Uint8Array): boolean {
  return haystack.includes(decoder.decode(form));
}

Deno.test("a value's base64 form is found at every alignment, padded or not, in both alphabets", () => {
  for (
    const value of ["ab?>>cd~~e", "sk_live_123456789", "\u00e9t\u00e9 2025!!"]
  ) {
    const bytes = new TextEncoder().encode(value);
    const forms = encodings(value);
    for (let before = 0; before < 3; before++) {
      for (let after = 0; after < 3; after++) {
        const around = new Uint8Array(before + bytes.length + after).fill(0x41);
        around.set(bytes, before);
        const standard = encodeBase64(around);
        const urlSafe = standard.replaceAll("+", "-").replaceAll("/", "_");
        for (const text of [standard, standard.replace(/=+$/, ""), urlSafe]) {
          assert(
            forms.some(({ bytes }) => contains(text, bytes)),
            `${value} at ${before}/${after} in ${text}`,
          );
        }
      }
    }
  }
});

Deno.test("hex, percent, JSON, JavaScript and export quoting are among the forms, each once", () => {
  const value = "a'b\"c/d é";
  const named = encodings(value).map(({ encoding, bytes }) => [
    encoding,
    decoder.decode(bytes),
  ]);
  const has = (encoding: string, text: string) =>
    named.some(([e, t]) => e === encoding && t === text);
  assert(has("percent", encodeURIComponent(value)));
  assert(has("json", "a'b\\\"c/d é"));
  assert(has("json", "a'b\\\"c/d \\u00e9"));
  assert(has("js", "a\\'b\\\"c/d \\u00e9"));
  assert(has("quoted", "a'\\''b\"c/d é"));
  assert(
    has(
      "HEX",
      Array.from(
        new TextEncoder().encode(value),
        (b) => b.toString(16).padStart(2, "0").toUpperCase(),
      ).join(""),
    ),
  );
  assertEquals(new Set(named.map(([, t]) => t)).size, named.length);
});

Deno.test("a bytes value has no text forms, and its raw form is a copy", () => {
  const value = new Uint8Array([1, 2, 3, 250, 251, 252, 253, 254]);
  const forms = encodings(value);
  assert(
    forms.every(({ encoding }) =>
      !["json", "percent", "quoted", "js"].includes(encoding)
    ),
  );
  value.fill(0);
  assertEquals(forms[0].bytes[0], 1);
});
