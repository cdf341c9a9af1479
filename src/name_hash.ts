/**
 * Name hashes: every entry's primary key is an HMAC of its name, so a name
 * never appears in clear on disk. Hashes are memoised per engine (a name's
 * hash never changes, so the memo is never stale; it is only bounded).
 *
 * @module
 */

import { hmacText } from "./crypto.ts";
import { validateStoredName } from "./validate.ts";

const MEMO_LIMIT = 1 << 17;

/** An engine's name hasher. */
export interface NameHasher {
  /** The hash of exactly `name`. */
  hash(name: string): string;
  /**
   * The hashes `name` may be stored under: its normal form C, then (for a
   * name stored before 0.2 in another spelling) the exact spelling given.
   */
  lookup(name: string): string[];
  /** Forgets every memoised hash. */
  clear(): void;
}

/**
 * Makes a hasher keyed by the index sub-key.
 *
 * @example Calling nameHasher
 * ```ts
 * import { nameHasher } from "./name_hash.ts";
 * import assert from "node:assert/strict";
 * const names = nameHasher(new Uint8Array(32));
 * assert.equal(names.lookup("cafe\u0301").length, 2);
 * ```
 */
export function nameHasher(indexKey: Uint8Array): NameHasher {
  const memo = new Map<string, string>();
  const hash = (name: string) => {
    let hashed = memo.get(name);
    if (hashed === undefined) {
      if (memo.size >= MEMO_LIMIT) memo.clear();
      hashed = hmacText(indexKey, name);
      memo.set(name, hashed);
    }
    return hashed;
  };
  return {
    hash,
    lookup(name): string[] {
      const stored = validateStoredName(name);
      const normal = stored.normalize("NFC");
      return normal === stored ? [hash(stored)] : [hash(normal), hash(stored)];
    },
    clear: () => memo.clear(),
  };
}
