import { assertEquals } from "./_assert.ts";
import { globToRegExp } from "../src/glob.ts";

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
  const re = globToRegExp(pattern);
  return names.filter((name) => re.test(name));
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
});

Deno.test("? matches one character other than a dot", () => {
  assertEquals(match("aws.i?"), ["aws.id"]);
  assertEquals(match("a?z"), []);
});

Deno.test("regular expression characters are literal", () => {
  assertEquals(match("x+y(1)"), ["x+y(1)"]);
  assertEquals(match("aws.id|.*"), []);
  assertEquals(match("openai.apiKe."), []);
});
