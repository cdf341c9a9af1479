import { assertEquals } from "./_assert.ts";
import { MASK, redactStream } from "../src/redact.ts";

async function redact(chunks: string[], values: string[]): Promise<string> {
  let out = "";
  for await (
    const chunk of ReadableStream.from(chunks).pipeThrough(redactStream(values))
  ) {
    out += chunk;
  }
  return out;
}

Deno.test("values are masked wherever chunks split them", async () => {
  const text = "token=sk-abcdef and again sk-abcdef.";
  const expected = `token=${MASK} and again ${MASK}.`;
  for (let size = 1; size <= text.length; size++) {
    const chunks = text.match(new RegExp(`[^]{1,${size}}`, "g")) ?? [];
    assertEquals(
      await redact(chunks, ["sk-abcdef"]),
      expected,
      `chunks of ${size}`,
    );
  }
});

Deno.test("longer values win, special characters are literal, no values pass through", async () => {
  assertEquals(
    await redact(["ab abc a.c"], ["ab", "abc", "a.c"]),
    `${MASK} ${MASK} ${MASK}`,
  );
  assertEquals(await redact(["axc"], ["a.c"]), "axc");
  assertEquals(await redact(["plain text"], []), "plain text");
});
