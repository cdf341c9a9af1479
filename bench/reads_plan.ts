/**
 * What `versus_npm.ts` measures on each engine, in one place so both sides
 * run the same plan: a vault of 3,000 entries, rounds of reads over names
 * spread across it.
 *
 * @module
 */

/** Entries in the vault. */
export const SIZE = 3000;
/** Calls of each operation per round. */
export const READS = 50_000;
/** Rounds per process; the first warms up. */
export const READ_ROUNDS = 4;

/** The name of entry `i` (mod `SIZE`). */
export function spread(i: number): string {
  const n = i % SIZE;
  return `svc${n % 17}.key${n}`;
}
