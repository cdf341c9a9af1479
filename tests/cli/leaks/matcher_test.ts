import { assertEquals } from "../../_assert.ts";
import { type Match, matcher } from "../../../src/cli/leaks/matcher.ts";

const encoder = new TextEncoder();

/** Every occurrence of every pattern, the slow way. */
function naive(text: Uint8Array, patterns: Uint8Array[]): number[][] {
  const found: number[][] = [];
  for (let at = 0; at < text.length; at++) {
    patterns.forEach((pattern, index) => {
      if (pattern.every((byte, i) => text[at + i] === byte)) {
        found.push([index, at]);
      }
    });
  }
  return found;
}

Deno.test("the matcher finds what a naive search finds, however the input is cut into chunks", () => {
  const patterns = ["abcabc", "bcab", "zzzzzzzz", "a\nb", "cabcabca"]
    .map((p) => encoder.encode(p));
  const text = encoder.encode(
    "xxabcabcabcabca\nbzzzzzzzzz abc\nab a\nb cabcabcabc",
  );
  const expected = naive(text, patterns).sort((a, b) =>
    a[1] - b[1] || a[0] - b[0]
  );
  for (const size of [1, 2, 3, 5, 7, 64]) {
    const found: Match[] = [];
    const scan = matcher(patterns).scan((match) => found.push(match));
    for (let at = 0; at < text.length; at += size) {
      scan.feed(text.slice(at, at + size));
    }
    scan.end();
    assertEquals(
      found.map((m) => [m.pattern, m.offset]).sort((a, b) =>
        a[1] - b[1] || a[0] - b[0]
      ),
      expected,
      `chunks of ${size}`,
    );
  }
});

Deno.test("lines and columns count from 1, across chunks", () => {
  const found: Match[] = [];
  const scan = matcher([encoder.encode("needle")]).scan((m) => found.push(m));
  scan.feed(encoder.encode("one\ntwo\n  nee"));
  scan.feed(encoder.encode("dle\n\nneedle"));
  scan.end();
  assertEquals(found.map(({ line, column }) => [line, column]), [[3, 3], [
    5,
    1,
  ]]);
});

Deno.test("clear zeroes the patterns", () => {
  const pattern = encoder.encode("secret-value");
  matcher([pattern]).clear();
  assertEquals(pattern.every((byte) => byte === 0), true);
});
