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
 * @example Mask values across chunks of a stream
 * ```ts
 * import { redactStream } from "./redact.ts";
 * import assert from "node:assert/strict";
 * const out = await new Response(
 *   ReadableStream.from(["key=sk-12", "34 ok"])
 *     .pipeThrough(redactStream(["sk-1234"]))
 *     .pipeThrough(new TextEncoderStream()),
 * ).text();
 * assert.equal(out, "key=<redacted> ok");
 * ```
 */
export function redactStream(
  values: readonly string[],
): TransformStream<string, string> {
  const secrets = maskable(values).masked;
  // Nothing from the cut on is written yet: a tail that may grow into a
  // value, and any masked span that reaches into that tail.
  const safeCut = (text: string, spans: readonly Span[]) => {
    let cut = pendingStart(text, secrets);
    for (const [start, end] of spans) {
      if (start < cut && end > cut) cut = start;
    }
    return cut;
  };
  let carry = "";
  return new TransformStream({
    transform(chunk, controller): void {
      const text = carry + chunk;
      const cut = safeCut(text, maskedSpans(text, secrets));
      const done = maskText(text.slice(0, cut), secrets);
      if (done) controller.enqueue(done);
      carry = text.slice(cut);
    },
    flush(controller): void {
      if (carry) controller.enqueue(maskText(carry, secrets));
    },
  });
}

/** A span of text, start inclusive, end exclusive. */
type Span = readonly [start: number, end: number];

/**
 * Every span where any of `secrets` occurs, overlapping ones merged: two
 * secrets that overlap in the output are masked as one, so neither's tail
 * shows past the other's mask.
 */
function maskedSpans(text: string, secrets: readonly string[]): Span[] {
  const spans: [number, number][] = [];
  for (const secret of secrets) {
    for (
      let at = text.indexOf(secret);
      at !== -1;
      at = text.indexOf(secret, at + 1)
    ) {
      spans.push([at, at + secret.length]);
    }
  }
  spans.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [start, end] of spans) {
    const last = merged.at(-1);
    if (last !== undefined && start <= last[1]) {
      last[1] = Math.max(last[1], end);
    } else merged.push([start, end]);
  }
  return merged;
}

/**
 * `text` with every span of `secrets` (merged where they overlap) replaced
 * by {@linkcode MASK}.
 *
 * @example Mask every value in a text
 * ```ts
 * import { MASK, maskText } from "./redact.ts";
 * import assert from "node:assert/strict";
 * assert.equal(maskText("key=ab12345678", ["ab123456", "12345678"]), `key=${MASK}`);
 * ```
 */
export function maskText(text: string, secrets: readonly string[]): string {
  let out = "";
  let from = 0;
  for (const [start, end] of maskedSpans(text, secrets)) {
    out += text.slice(from, start) + MASK;
    from = end;
  }
  return out + text.slice(from);
}
