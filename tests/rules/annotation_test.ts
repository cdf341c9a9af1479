import { assertEquals, assertThrows } from "../_assert.ts";
import { MAX_NOTE_BYTES, MAX_TAGS, ValidationError } from "../../mod.ts";
import {
  applyAnnotationChange,
  checkAnnotationChange,
  parseAnnotation,
} from "../../src/rules/annotation.ts";

const DAY = 86_400_000;

Deno.test("bad annotations are ValidationErrors: absurd periods, 10,000 tags, a 1 MiB note, malformed tags", () => {
  const bad: [unknown, RegExp][] = [
    [{ rotateEvery: -1 }, /rotateEvery/],
    [{ rotateEvery: 0 }, /rotateEvery/],
    [{ rotateEvery: 999 }, /rotateEvery/],
    [{ rotateEvery: 1.5 * DAY + 0.5 }, /rotateEvery/],
    [{ rotateEvery: 101 * 365 * DAY }, /rotateEvery/],
    [{ rotateEvery: Number.NaN }, /rotateEvery/],
    [{ rotateEvery: "90d" }, /rotateEvery/],
    [
      { tags: Array.from({ length: 10_000 }, (_, i) => `t${i}`) },
      /at most 32 tags/,
    ],
    [{ tags: "prod" }, /list of strings/],
    [{ tags: [""] }, /a tag is/],
    [{ tags: ["-lead"] }, /a tag is/],
    [{ tags: ["has space"] }, /a tag is/],
    [{ tags: ["x".repeat(65)] }, /a tag is/],
    [{ tags: [7] }, /a tag is/],
    [{ note: "n".repeat(1024 * 1024) }, /at most 4096/],
    [{ note: "\ud800" }, /well-formed/],
    [{ note: 5 }, /string/],
    ["options", /object/],
  ];
  for (const [input, message] of bad) {
    assertThrows(
      () => checkAnnotationChange(input),
      (error: unknown) =>
        error instanceof ValidationError && message.test(error.message),
      String(message),
    );
  }
});

Deno.test("the limits are exactly those documented", () => {
  const tags = Array.from({ length: MAX_TAGS }, (_, i) => `t${i}`);
  assertEquals(checkAnnotationChange({ tags }).tags?.length, MAX_TAGS);
  assertEquals(
    checkAnnotationChange({ note: "é".repeat(MAX_NOTE_BYTES / 2) }).note
      ?.length,
    MAX_NOTE_BYTES / 2,
  );
  assertEquals(checkAnnotationChange({ rotateEvery: 1000 }).rotateEvery, 1000);
});

Deno.test("a change keeps what it leaves out, clears what is null, and an empty annotation is none", () => {
  const current = { note: "n", tags: ["a"], rotateEvery: DAY };
  assertEquals(applyAnnotationChange(current, {}), current);
  assertEquals(applyAnnotationChange(current, { tags: ["b", "a", "b"] }), {
    ...current,
    tags: ["b", "a", "b"],
  });
  assertEquals(
    applyAnnotationChange(
      current,
      checkAnnotationChange({ tags: ["b", "a", "b"] }),
    ),
    { ...current, tags: ["a", "b"] },
  );
  assertEquals(
    applyAnnotationChange(current, {
      note: null,
      tags: null,
      rotateEvery: null,
    }),
    null,
  );
  assertEquals(applyAnnotationChange(null, { tags: [] }), null);
});

Deno.test("a stored annotation that is not one reads as null", () => {
  assertEquals(parseAnnotation(null), null);
  assertEquals(parseAnnotation({ rotateEvery: -5 }), null);
  assertEquals(parseAnnotation({}), {
    note: null,
    tags: [],
    rotateEvery: null,
  });
});
