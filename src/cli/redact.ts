/**
 * Masking secret values in a stream of text, for `secrets run --redact`.
 *
 * @module
 */

/** What replaces a secret value in redacted output. */
export const MASK = "<redacted>";

/**
 * Values shorter than this are not masked: `on`, `1` or `true` would mask
 * inside ordinary words (`construe`), hiding output and telling a reader
 * the value anyway.
 */
export const MIN_REDACTED_LENGTH = 6;

/** Splits values into those long enough to mask and the count of the rest. */
export function maskable(
  values: readonly string[],
): { masked: string[]; tooShort: number } {
  const distinct = [...new Set(values)].filter((value) => value.length > 0);
  const masked = distinct.filter((v) => v.length >= MIN_REDACTED_LENGTH);
  return { masked, tooShort: distinct.length - masked.length };
}

/**
 * Where the tail of `text` that could still grow into a value begins: the
 * earliest position from which the rest of `text` is a proper prefix of a
 * value. Everything before it can be written at once.
 */
function pendingStart(text: string, values: readonly string[]): number {
  const longest = Math.max(0, ...values.map((value) => value.length));
  for (
    let at = Math.max(0, text.length - longest + 1);
    at < text.length;
    at++
  ) {
    const tail = text.slice(at);
    if (values.some((v) => v.length > tail.length && v.startsWith(tail))) {
      return at;
    }
  }
  return text.length;
}

/**
 * A text transform that replaces every occurrence of any of `values` (at
 * least {@linkcode MIN_REDACTED_LENGTH} long; shorter ones pass) with
 * {@linkcode MASK}, also when an occurrence is split across chunks. It holds
 * back only a tail that could be the start of a value, so output that
 * cannot be a secret passes through at once. Longer values win.
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
  const secrets = maskable(values).masked.sort((a, b) => b.length - a.length);
  const pattern = secrets.length === 0 ? null : new RegExp(
    secrets.map((v) => v.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&")).join("|"),
    "g",
  );
  const mask = (text: string) => pattern ? text.replace(pattern, MASK) : text;
  // Nothing from the cut on is written yet: a tail that may grow into a
  // value, and any whole value that reaches into that tail.
  const safeCut = (text: string) => {
    let cut = pendingStart(text, secrets);
    for (const match of pattern ? text.matchAll(pattern) : []) {
      const end = match.index + match[0].length;
      if (match.index < cut && end > cut) cut = match.index;
    }
    return cut;
  };
  let carry = "";
  return new TransformStream({
    transform(chunk, controller): void {
      const text = carry + chunk;
      const cut = safeCut(text);
      const done = mask(text.slice(0, cut));
      if (done) controller.enqueue(done);
      carry = text.slice(cut);
    },
    flush(controller): void {
      if (carry) controller.enqueue(mask(carry));
    },
  });
}
