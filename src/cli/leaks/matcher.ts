/**
 * Finding many byte strings at once in a stream, in one pass: a rolling
 * hash over a window as long as the shortest pattern, tested against a
 * bit table of the patterns' first windows, and a byte-for-byte check of
 * the few candidates a hit names. Input is fed in chunks of any size; a
 * pattern split across two chunks is found; memory is the patterns plus
 * the longest pattern's worth of the stream.
 *
 * @module
 */

/** Where a pattern was found: its index, and the byte offset and line. */
export interface Match {
  /** The pattern's index in the list the matcher was made with. */
  pattern: number;
  /** The 1-based line it starts on. */
  line: number;
  /** The 1-based byte column it starts at. */
  column: number;
  /** The byte offset it starts at, from the start of the stream. */
  offset: number;
}

/** A matcher over one stream: feed it chunks, then end it. */
export interface Scan {
  /** Scans the next chunk; the matches it completes are passed to `found`. */
  feed(chunk: Uint8Array): void;
  /** Scans what is left. */
  end(): void;
}

const BASE = 0x01000193;
const TABLE_BITS = 22;
const NEWLINE = 0x0a;

/** The hash of `bytes[at .. at + width)`. */
function hashAt(bytes: Uint8Array, at: number, width: number): number {
  let hash = 0;
  for (let i = 0; i < width; i++) {
    hash = (Math.imul(hash, BASE) + bytes[at + i]) | 0;
  }
  return hash;
}

/** The table index of a hash. */
function slot(hash: number): number {
  return hash >>> (32 - TABLE_BITS);
}

/** Patterns prepared for matching: any number of streams may use them. */
export interface Matcher {
  /** Starts scanning one stream; each match is passed to `found`. */
  scan(found: (match: Match) => void): Scan;
  /** Zeroes the patterns' bytes. */
  clear(): void;
}

/**
 * Prepares `patterns` (none empty) for matching.
 *
 * @example Find two patterns, one split across chunks
 * ```ts
 * import { matcher } from "./matcher.ts";
 * import assert from "node:assert/strict";
 * const enc = (text: string) => new TextEncoder().encode(text);
 * const found: number[] = [];
 * const scan = matcher([enc("secret-1"), enc("token-22")]).scan((m) => found.push(m.pattern, m.line, m.column));
 * scan.feed(enc("a\nxx secr"));
 * scan.feed(enc("et-1 token-22"));
 * scan.end();
 * assert.deepEqual(found, [0, 2, 4, 1, 2, 13]);
 * ```
 */
export function matcher(patterns: readonly Uint8Array[]): Matcher {
  // Loops, not Math.min(...patterns): a vault's values in every encoding
  // can outnumber what a call's arguments hold.
  let width = Infinity;
  let longest = 0;
  for (const { length } of patterns) {
    width = Math.min(width, length);
    longest = Math.max(longest, length);
  }
  if (!(width > 0)) throw new Error("a pattern to find cannot be empty");
  const table = new Uint32Array((1 << TABLE_BITS) / 32);
  const candidates = new Map<number, number[]>();
  patterns.forEach((pattern, index) => {
    const hash = hashAt(pattern, 0, width);
    const at = slot(hash);
    table[at >>> 5] |= 1 << (at & 31);
    candidates.set(hash, [...candidates.get(hash) ?? [], index]);
  });
  // BASE ** (width - 1), to take the byte leaving the window out.
  let leaving = 1;
  for (let i = 1; i < width; i++) leaving = Math.imul(leaving, BASE);

  function scan(found: (match: Match) => void): Scan {
    let carry = new Uint8Array(0);
    let carryOffset = 0;
    let line = 1;
    let lineStart = 0;
    let counted = 0;

    // Lines up to `offset`, counted once: matches come in order.
    function position(
      buffer: Uint8Array,
      base: number,
      offset: number,
    ): { line: number; column: number } {
      for (; counted < offset; counted++) {
        if (buffer[counted - base] === NEWLINE) {
          line++;
          lineStart = counted + 1;
        }
      }
      return { line, column: offset - lineStart + 1 };
    }

    function check(
      buffer: Uint8Array,
      base: number,
      start: number,
      hash: number,
    ): void {
      for (const index of candidates.get(hash) ?? []) {
        const pattern = patterns[index];
        if (start + pattern.length > buffer.length) continue;
        let same = true;
        for (let i = 0; i < pattern.length && same; i++) {
          same = buffer[start + i] === pattern[i];
        }
        if (same) {
          found({
            pattern: index,
            offset: base + start,
            ...position(buffer, base, base + start),
          });
        }
      }
    }

    function run(buffer: Uint8Array, base: number, last: number): void {
      if (last < 0 || buffer.length < width) return;
      let hash = hashAt(buffer, 0, width);
      for (let start = 0;; start++) {
        const at = slot(hash);
        if ((table[at >>> 5] & (1 << (at & 31))) !== 0) {
          check(buffer, base, start, hash);
        }
        if (start >= last) break;
        hash = (Math.imul(hash - Math.imul(buffer[start], leaving), BASE) +
          buffer[start + width]) | 0;
      }
    }

    function process(buffer: Uint8Array, base: number, final: boolean): void {
      // A window is checked once it holds the longest pattern, or at the end.
      const last = final ? buffer.length - width : buffer.length - longest;
      run(buffer, base, last);
      const keep = Math.max(0, last + 1);
      if (!final) position(buffer, base, base + Math.min(keep, buffer.length));
      carry.fill(0);
      carry = buffer.slice(keep);
      carryOffset = base + keep;
    }

    return {
      feed(chunk: Uint8Array): void {
        const buffer = new Uint8Array(carry.length + chunk.length);
        buffer.set(carry);
        buffer.set(chunk, carry.length);
        process(buffer, carryOffset, false);
        buffer.fill(0);
      },
      end(): void {
        process(carry.slice(), carryOffset, true);
        carry.fill(0);
      },
    };
  }

  return {
    scan,
    clear(): void {
      for (const pattern of patterns) pattern.fill(0);
    },
  };
}
