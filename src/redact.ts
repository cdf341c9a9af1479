/**
 * Masking secret values in a stream of text, for `secrets run --redact`.
 *
 * @module
 */

/** What replaces a secret value in redacted output. */
export const MASK = "<redacted>";

/**
 * A text transform that replaces every occurrence of any of `values` with
 * {@linkcode MASK}, also when an occurrence is split across chunks: it holds
 * back the last few characters of each chunk until the next one shows
 * whether they start a value. Longer values are matched first.
 *
 * @example
 * ```ts
 * import { redactStream } from "./redact.ts";
 * const out = await new Response(
 *   ReadableStream.from(["key=sk-12", "34 ok"])
 *     .pipeThrough(redactStream(["sk-1234"]))
 *     .pipeThrough(new TextEncoderStream()),
 * ).text();
 * console.assert(out === "key=<redacted> ok");
 * ```
 */
export function redactStream(
  values: readonly string[],
): TransformStream<string, string> {
  const secrets = [...new Set(values)].filter((v) => v.length > 0)
    .sort((a, b) => b.length - a.length);
  const hold = Math.max(0, ...secrets.map((v) => v.length - 1));
  const pattern = secrets.length === 0 ? null : new RegExp(
    secrets.map((v) => v.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&")).join("|"),
    "g",
  );
  let carry = "";
  return new TransformStream({
    transform(chunk, controller): void {
      const text = carry + chunk;
      const masked = pattern ? text.replace(pattern, MASK) : text;
      // Hold back only the unmasked tail: a value may be starting there.
      const cut = Math.max(0, masked.length - hold);
      const lastMask = masked.lastIndexOf(MASK);
      const safe = lastMask >= 0 ? Math.max(cut, lastMask + MASK.length) : cut;
      if (safe > 0) controller.enqueue(masked.slice(0, safe));
      carry = masked.slice(safe);
    },
    flush(controller): void {
      const rest = pattern ? carry.replace(pattern, MASK) : carry;
      if (rest) controller.enqueue(rest);
    },
  });
}
