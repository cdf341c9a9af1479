import { assertEquals } from "../../_assert.ts";
import {
  MASK,
  maskable,
  maskText,
  MIN_REDACTED_LENGTH,
  redactPair,
} from "../../../src/cli/running/redact.ts";

/** The stdout side of a pair: a program that writes nothing to stderr. */
function redactStream(values: string[]): TransformStream<string, string> {
  return redactPair(values)[0];
}

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
    await redact(["abcdef abcdefgh a.c.e."], ["abcdef", "abcdefgh", "a.c.e."]),
    `${MASK} ${MASK} ${MASK}`,
  );
  assertEquals(await redact(["axcxex"], ["a.c.e."]), "axcxex");
  assertEquals(await redact(["plain text"], []), "plain text");
});

// Output was held back until exit (a server's
// "listening" line showed 4 s late).
Deno.test("redact streaming: text that cannot start a value passes at once", async () => {
  const transform = redactStream(["x".repeat(2000), "sk-live-123"]);
  const writer = transform.writable.getWriter();
  const reader = transform.readable.getReader();
  writer.write("listening on :8080\nkey sk-li");
  assertEquals((await reader.read()).value, "listening on :8080\nkey ");
  writer.write("ve-123 done\n");
  assertEquals((await reader.read()).value, `${MASK} done\n`);
  await writer.close();
});

Deno.test("redact streaming: a value reaching into a held tail is never split", async () => {
  assertEquals(
    await redact(["abcdef", "g"], ["abcdef", "cdefgh"]),
    `${MASK}g`,
  );
});

// A short value such as `true` masked inside `construe`.
Deno.test("redact minimum: values shorter than the minimum are not masked", async () => {
  assertEquals(MIN_REDACTED_LENGTH, 6);
  assertEquals(await redact(["construe on"], ["true", "on"]), "construe on");
  assertEquals(maskable(["true", "secret", ""]), {
    masked: ["secret"],
    tooShort: 1,
  });
});

// Two secrets overlapping in the output left the tail
// of one in clear (<redacted>345678).
Deno.test("overlapping secrets are masked as one span, whatever the chunking", async () => {
  const secrets = ["ab123456", "12345678"];
  assertEquals(maskText("x=ab12345678;", secrets), `x=${MASK};`);
  assertEquals(maskText("12345678ab123456", secrets), MASK);
  for (const split of [1, 3, 5, 9, 11]) {
    const text = "x=ab12345678; y=12345678 z";
    const out = await new Response(
      ReadableStream.from([text.slice(0, split), text.slice(split)])
        .pipeThrough(redactStream(secrets))
        .pipeThrough(new TextEncoderStream()),
    ).text();
    assertEquals(out, `x=${MASK}; y=${MASK} z`, `split at ${split}`);
  }
});

Deno.test("a value split between stdout and stderr is masked on both, where it starts", async () => {
  const [out, err] = redactPair(["sk-live-123456"]);
  const text = (r: ReadableStream<string>) =>
    new Response(r.pipeThrough(new TextEncoderStream())).text();
  const [outText, errText] = [text(out.readable), text(err.readable)];
  const [o, e] = [out.writable.getWriter(), err.writable.getWriter()];
  await o.write("token sk-live");
  await e.write("-123456 then stderr\n");
  await o.write(" stdout again\n");
  await o.close();
  await e.close();
  assertEquals(await outText, `token ${MASK} stdout again\n`);
  assertEquals(await errText, " then stderr\n");
});
