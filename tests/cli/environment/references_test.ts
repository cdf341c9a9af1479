import { assertEquals, assertThrows } from "../../_assert.ts";
import { Failure } from "../../../src/cli/failures.ts";
import {
  formatReference,
  parseReference,
  readTemplate,
} from "../../../src/cli/environment/references.ts";

Deno.test("references round-trip names with spaces, braces, percent signs and newlines", () => {
  for (
    const name of [
      "db.url",
      "team keys.prod",
      "a}b{c",
      "100%",
      "two\nlines",
      "パスワード",
    ]
  ) {
    assertEquals(parseReference(formatReference(name)), name);
  }
  assertEquals(formatReference("team keys}"), "secrets://team%20keys%7D");
  assertEquals(parseReference("secrets://db.url"), "db.url");
  assertEquals(parseReference("https://example.com"), null);
  assertEquals(parseReference("plain"), null);
  assertThrows(() => parseReference("secrets://bad%zz"), Failure);
});

Deno.test("a template replaces references, with or without spaces, and keeps the rest", () => {
  const text = [
    "url: {{ secrets://db.url }}",
    "key: |",
    "  {{secrets://tls.key}}",
    "helm: {{ .Values.name }} and {{ op://vault/item }}",
    "again: {{  secrets://db.url  }}",
  ].join("\n");
  const template = readTemplate(text, "app.tpl");
  assertEquals(template.names, ["db.url", "tls.key"]);
  assertEquals(template.others, 2);
  const values = new Map([
    ["db.url", "postgres://u:p@h/db"],
    ["tls.key", "-----BEGIN-----\nline\n-----END-----"],
  ]);
  assertEquals(
    template.render(values),
    [
      "url: postgres://u:p@h/db",
      "key: |",
      "  -----BEGIN-----\nline\n-----END-----",
      "helm: {{ .Values.name }} and {{ op://vault/item }}",
      "again: postgres://u:p@h/db",
    ].join("\n"),
  );
});

Deno.test("an unclosed {{ is an error naming its line and column", () => {
  assertThrows(
    () => readTemplate("ok {{ secrets://a }}\nx {{ secrets://b", "app.tpl"),
    (error: unknown) =>
      error instanceof Failure &&
      error.message === 'app.tpl: the "{{" at line 2, column 3 is never closed',
  );
});

Deno.test("a template with no braces has no names and renders unchanged", () => {
  const template = readTemplate("plain: text\n", "plain.tpl");
  assertEquals([template.names, template.others], [[], 0]);
  assertEquals(template.render(new Map()), "plain: text\n");
});
