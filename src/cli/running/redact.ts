/**
 * Masking secret values in the text a program writes, for `secrets run
 * --redact`: its stdout and stderr as one log, so a value split between
 * them is masked too, and output that cannot start a value passes at once.
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

/** A piece of the combined output, and which stream it came on. */
interface Piece {
  /** 0 for stdout, 1 for stderr. */
  side: 0 | 1;
  /** Its text. */
  text: string;
}

/**
 * Two transforms, for a program's stdout and stderr, that redact them as
 * one log: a value written partly to one and partly to the other, which a
 * terminal or a CI log shows whole, is masked on both (the mask where it
 * starts). What could still grow into a value is held back, across both.
 *
 * @example Mask a value split across stdout and stderr
 * ```ts
 * import { redactPair } from "./redact.ts";
 * import assert from "node:assert/strict";
 * const [out, err] = redactPair(["sk-123456"]);
 * const text = (r: ReadableStream<string>) =>
 *   new Response(r.pipeThrough(new TextEncoderStream())).text();
 * const outText = text(out.readable);
 * const errText = text(err.readable);
 * const outWriter = out.writable.getWriter();
 * const errWriter = err.writable.getWriter();
 * await outWriter.write("key: sk-12");
 * await errWriter.write("3456 ok");
 * await outWriter.close();
 * await errWriter.close();
 * assert.equal(await outText, "key: <redacted>");
 * assert.equal(await errText, " ok");
 * ```
 */
export function redactPair(
  values: readonly string[],
): [TransformStream<string, string>, TransformStream<string, string>] {
  const secrets = maskable(values).masked;
  const controllers: (TransformStreamDefaultController<string> | null)[] = [
    null,
    null,
  ];
  const open = [true, true];
  let pending: Piece[] = [];

  /** Sends what may go out now; all of it when `final`. */
  function release(final: boolean): void {
    const text = pending.map((piece) => piece.text).join("");
    const spans = maskedSpans(text, secrets);
    let cut = final ? text.length : pendingStart(text, secrets);
    for (const [start, end] of spans) {
      if (start < cut && end > cut) cut = start;
    }
    const rest: Piece[] = [];
    let offset = 0;
    for (const { side, text: piece } of pending) {
      const start = offset;
      const end = offset + piece.length;
      offset = end;
      const upto = Math.min(end, cut);
      let out = "";
      let at = start;
      for (const [from, to] of spans) {
        if (to <= at || from >= upto) continue;
        if (from > at) out += text.slice(at, from);
        // The mask goes where the value starts; its other parts vanish.
        if (from >= start) out += MASK;
        at = Math.min(to, upto);
      }
      if (at < upto) out += text.slice(at, upto);
      if (out !== "" && open[side]) controllers[side]?.enqueue(out);
      if (end > cut) {
        rest.push({ side, text: text.slice(Math.max(start, cut), end) });
      }
    }
    pending = rest;
  }

  const side = (index: 0 | 1): TransformStream<string, string> =>
    new TransformStream({
      start(controller): void {
        controllers[index] = controller;
      },
      transform(chunk): void {
        // Text that follows on the same stream is one piece, one write.
        const last = pending.at(-1);
        if (last?.side === index) last.text += chunk;
        else pending.push({ side: index, text: chunk });
        release(false);
      },
      flush(): void {
        // Nothing more comes on this side: what it holds goes out now.
        release(!open[1 - index]);
        const mine = pending.filter((piece) => piece.side === index);
        pending = pending.filter((piece) => piece.side !== index);
        const text = maskText(
          mine.map((piece) => piece.text).join(""),
          secrets,
        );
        if (text !== "") controllers[index]?.enqueue(text);
        open[index] = false;
      },
    });
  return [side(0), side(1)];
}
