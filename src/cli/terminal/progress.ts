/**
 * A progress line for long work at a terminal: what is done of what, and
 * the rate, on stderr, shown once the work has run for about a second and
 * redrawn a few times a second; nothing at all when stderr is not a
 * terminal (a log, a pipe), so scripts see no noise.
 *
 * @module
 */

import type { Io } from "../streams.ts";

/** How long work runs before its progress is shown. */
const SHOW_AFTER_MS = 1000;
/** How often the line is redrawn at most. */
const REDRAW_MS = 100;
const ERASE = "\r\x1b[2K";

/** A progress line: told how far the work is, and when it ends. */
export interface Progress {
  /** `done` of `total` (`undefined`: not known) units; `bytes` so far. */
  update(done: number, total?: number, bytes?: number): void;
  /** Clears the line, if one was shown. */
  end(): void;
}

function mebibytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** One decimal below 10, whole numbers above: `3.5/s`, `12000/s`. */
function perSecond(count: number, seconds: number): string {
  const rate = count / seconds;
  return rate < 10 ? rate.toFixed(1) : Math.round(rate).toString();
}

/**
 * A progress line on `io`'s stderr for work on `unit`s (`entries`,
 * `files`), labelled `what`; `now` is the clock (tests pass their own).
 *
 * @example Off a terminal, nothing is shown
 * ```ts
 * import { progress } from "./progress.ts";
 * import { commandIo } from "../streams.ts";
 * import assert from "node:assert/strict";
 * let written = 0;
 * const stream = {
 *   isTerminal: () => false,
 *   writeSync: (bytes: Uint8Array) => (written += bytes.length, bytes.length),
 *   writable: new WritableStream<Uint8Array>(),
 * };
 * const io = commandIo({ stdin: Deno.stdin, stdout: stream, stderr: stream });
 * const line = progress(io, "import", "entries", () => 5000);
 * line.update(10, 20);
 * line.end();
 * assert.equal(written, 0);
 * ```
 */
export function progress(
  io: Io,
  what: string,
  unit: string,
  now: () => number = performance.now.bind(performance),
): Progress {
  const { stderr } = io.streams;
  if (!stderr.isTerminal()) return { update: () => {}, end: () => {} };
  const started = now();
  let drawn = -Infinity;
  const say = (text: string) =>
    stderr.writeSync(new TextEncoder().encode(text));
  return {
    update(done, total, bytes): void {
      const at = now();
      if (at - started < SHOW_AFTER_MS || at - drawn < REDRAW_MS) return;
      drawn = at;
      const seconds = (at - started) / 1000;
      const of = total === undefined ? "" : ` of ${total}`;
      const size = bytes === undefined ? "" : `, ${mebibytes(bytes)}`;
      const rate = bytes === undefined
        ? `${perSecond(done, seconds)} ${unit}/s`
        : `${mebibytes(bytes / seconds)}/s`;
      say(`${ERASE}${what}: ${done}${of} ${unit}${size} (${rate})`);
    },
    end(): void {
      if (drawn !== -Infinity) say(ERASE);
    },
  };
}
