import { assert, assertEquals } from "../_assert.ts";
import { compileGlob } from "../../src/rules/glob.ts";

const names = [
  "openai.apiKey",
  "openai.org.id",
  "aws.id",
  "aws.prod.secret",
  "a.z",
  "a.b.c.z",
  "x+y(1)",
];

function match(pattern: string): string[] {
  return names.filter(compileGlob(pattern));
}

Deno.test("* matches within one segment", () => {
  assertEquals(match("openai.*"), ["openai.apiKey"]);
  assertEquals(match("*.id"), ["aws.id"]);
  assertEquals(match("*"), ["x+y(1)"]);
});

Deno.test("** matches across segments", () => {
  assertEquals(match("openai.**"), ["openai.apiKey", "openai.org.id"]);
  assertEquals(match("**.id"), ["openai.org.id", "aws.id"]);
  assertEquals(match("a.**.z"), ["a.z", "a.b.c.z"]);
  assertEquals(match("**"), names);
  assertEquals(match("a.**"), ["a.z", "a.b.c.z"]);
  assertEquals(match("**.z"), ["a.z", "a.b.c.z"]);
});

Deno.test("? matches one character other than a dot", () => {
  assertEquals(match("aws.i?"), ["aws.id"]);
  assertEquals(match("a?z"), []);
  assert(compileGlob("caf?")("café"));
});

Deno.test("regular expression characters are literal", () => {
  assertEquals(match("x+y(1)"), ["x+y(1)"]);
  assertEquals(match("aws.id|.*"), []);
  assertEquals(match("openai.apiKe."), []);
});

// A backtracking regular expression took over 30 s here
// (exponential in the number of `**`); the automaton takes linear time.
// 2 s is two orders of magnitude above what it needs, far below the old cost.
Deno.test("keys pattern ReDoS: **a**a...**b against a long name stays linear", () => {
  const pattern = "**a".repeat(40) + "**b";
  const name = "a".repeat(500);
  const start = performance.now();
  const matches = compileGlob(pattern);
  assertEquals([name, `${name}b`].map(matches), [false, true]);
  const elapsed = performance.now() - start;
  assert(elapsed < 2000, `matching took ${elapsed} ms`);
});
