/**
 * Exposure marks (format 6): what a member's removal records on each
 * entry whose values it could read, and the rule that reads them. A mark
 * holds keyed hashes of those values (under a key derived from the name
 * key, which rotations keep, so a value set after the rotation can still be
 * compared): the entry stays exposed while its current value is one of
 * them, so a `revert` or a `set` back to a value the member knew keeps it
 * listed.
 *
 * @module
 */

import { encodeBase64 } from "../base64.ts";
import { hkdf, hmac } from "../crypto.ts";

/** One removed member's mark on one entry. */
export interface ExposureMark {
  /** The removed member's label. */
  member: string;
  /** When it was removed, milliseconds since the epoch. */
  removed: number;
  /** The keyed hashes of the values it could read. */
  values: string[];
}

const EXPOSURE_KEY_LABEL = "@scope/secrets exposure";

function isMark(value: unknown): value is ExposureMark {
  if (typeof value !== "object" || value === null) return false;
  const { member, removed, values } = value as Record<string, unknown>;
  return typeof member === "string" && Number.isSafeInteger(removed) &&
    Array.isArray(values) && values.every((hash) => typeof hash === "string");
}

/** The marks a parsed JSON value holds, or `null` when it holds none. */
export function parseMarks(value: unknown): ExposureMark[] | null {
  return Array.isArray(value) && value.every(isMark) ? value : null;
}

/** The key that hashes exposed values, from the vault's name key. */
export function exposureKey(nameKey: Uint8Array): Uint8Array {
  return hkdf(nameKey, new Uint8Array(), EXPOSURE_KEY_LABEL);
}

/** The keyed hash of one value's bytes, as marks hold it. */
export function exposureHash(key: Uint8Array, value: Uint8Array): string {
  return encodeBase64(hmac(key, value));
}

/** The marks whose member could read `current`: those it stays exposed by. */
export function exposedBy(
  marks: readonly ExposureMark[],
  key: Uint8Array,
  current: Uint8Array,
): ExposureMark[] {
  const hash = exposureHash(key, current);
  return marks.filter((mark) => mark.values.includes(hash));
}
