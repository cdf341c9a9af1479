/**
 * Redacting a log as it streams: every pattern (a value's forms, line by
 * line, none holding a newline) is found by `leaks/matcher.ts` and
 * replaced with the mask. Complete lines go out as soon as they end, so a
 * live log stays live; a value split across two reads is still found, as
 * the line it is on is held until it ends; memory is the patterns plus the
 * current line (or, for a line with no end in sight, 64 KiB of it).
 *
 * @module
 */

import { matcher } from "../leaks/matcher.ts";
import { MASK } from "./redact.ts";

const NEWLINE = 0x0a;
// A line longer than this goes out in parts, keeping what a match could
// still start in.
const MAX_HELD = 64 * 1024;
const encoder = new TextEncoder();

/** Concatenates chunks. */
function join(parts: readonly Uint8Array[]): Uint8Array {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  return all;
}

/**
 * A transform that masks every occurrence of `patterns` (none empty, none
 * holding a newline) in a byte stream.
 *
 * @example Mask a value split across two chunks
 * ```ts
 * import { logRedactor } from "./log_redact.ts";
 * import assert from "node:assert/strict";
 * const enc = new TextEncoder();
 * const out = await new Response(
 *   ReadableStream.from([enc.encode("token sk-12"), enc.encode("3456 ok\n")])
 *     .pipeThrough(logRedactor([enc.encode("sk-123456")])),
 * ).text();
 * assert.equal(out, "token <redacted> ok\n");
 * ```
 */
export function logRedactor(
  patterns: readonly Uint8Array[],
): TransformStream<Uint8Array, Uint8Array> {
  const longest = patterns.reduce((n, p) => Math.max(n, p.length), 0);
  const found = patterns.length === 0 ? null : matcher(patterns);
  const mask = encoder.encode(MASK);
  let held: Uint8Array = new Uint8Array();

  /**
   * The spans of `bytes` that hold a pattern, merged, in order. A scan of
   * its own: the matcher reports a match only once it has seen as many
   * bytes as the longest pattern, so a shared scan would report one late.
   */
  function spans(bytes: Uint8Array): [number, number][] {
    const all: [number, number][] = [];
    if (found === null) return all;
    const scan = found.scan((m) => {
      all.push([m.offset, m.offset + patterns[m.pattern].length]);
    });
    scan.feed(bytes);
    scan.end();
    all.sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [];
    for (const [start, end] of all) {
      const last = merged.at(-1);
      if (last !== undefined && start <= last[1]) {
        last[1] = Math.max(last[1], end);
      } else merged.push([start, end]);
    }
    return merged;
  }

  /** `bytes` up to `end`, with the spans inside it masked. */
  function masked(
    bytes: Uint8Array,
    end: number,
    found: readonly [number, number][],
  ): Uint8Array {
    const out: Uint8Array[] = [];
    let from = 0;
    for (const [start, stop] of found) {
      if (stop > end) break;
      out.push(bytes.subarray(from, start), mask);
      from = stop;
    }
    out.push(bytes.subarray(from, end));
    return join(out);
  }

  /** What of `held` may go out now, masked; the rest stays held. */
  function release(final: boolean): Uint8Array {
    const newline = held.lastIndexOf(NEWLINE);
    let end: number;
    if (final) end = held.length;
    else if (newline !== -1) end = newline + 1; // No pattern holds a newline.
    else if (held.length > MAX_HELD) end = held.length - (longest - 1);
    else return new Uint8Array();
    const part = held.subarray(0, final || newline !== -1 ? end : held.length);
    const inside = spans(part);
    // A match across the cut of a long line goes out with the rest.
    for (const [start, stop] of inside) {
      if (start < end && stop > end) end = start;
    }
    const out = masked(part, end, inside);
    held = held.slice(end);
    return out;
  }

  return new TransformStream({
    transform(chunk, controller): void {
      held = join([held, chunk]);
      const out = release(false);
      if (out.length > 0) controller.enqueue(out);
    },
    flush(controller): void {
      const out = release(true);
      if (out.length > 0) controller.enqueue(out);
    },
  });
}
