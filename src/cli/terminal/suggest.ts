/**
 * "Did you mean" for the CLI: the nearest of a few candidates to a word
 * typed wrong (a command, an option, a secret's name), by edit distance
 * with transpositions, when it is near enough to be the one meant.
 *
 * @module
 */

/** Optimal string alignment distance: edits, with a swap counted as one. */
function distance(a: string, b: string): number {
  const rows = Array.from(
    { length: a.length + 1 },
    (_, i) => Array.from({ length: b.length + 1 }, (_, j) => i || j),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      rows[i][j] = Math.min(
        rows[i - 1][j] + 1,
        rows[i][j - 1] + 1,
        rows[i - 1][j - 1] + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
      }
    }
  }
  return rows[a.length][b.length];
}

/** How far a typo may be from what was meant: a third of its length, at least 1. */
function tolerance(word: string): number {
  return Math.max(1, Math.floor(word.length / 3));
}

/**
 * The candidate nearest to `word`, case ignored, or `null` when none is
 * within a third of its length (or when `word` is one of them).
 *
 * @example Suggest the nearest candidate, case ignored
 * ```ts
 * import { nearest } from "./suggest.ts";
 * import assert from "node:assert/strict";
 * assert.equal(nearest("versoin", ["version", "help"]), "version");
 * assert.equal(nearest("port", ["PORT", "host"]), "PORT");
 * assert.equal(nearest("frobnicate", ["get", "set"]), null);
 * ```
 */
export function nearest(
  word: string,
  candidates: Iterable<string>,
): string | null {
  let best: string | null = null;
  let bestDistance = tolerance(word) + 1;
  for (const candidate of candidates) {
    if (candidate === word) return null;
    // Words far apart in length are far apart in distance: skip the work.
    if (Math.abs(candidate.length - word.length) >= bestDistance) continue;
    // Case is ignored: `get port` means `PORT` as surely as a typo does.
    const d = distance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

/** "; did you mean X?" for `word`, or "". */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const found = nearest(word, candidates);
  return found === null ? "" : `; did you mean ${found}?`;
}
