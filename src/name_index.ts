/**
 * The index of an open engine: every entry's name hash, with its clear
 * name once decrypted. Loaded on demand and reloaded when another
 * connection commits; a reload keeps the names already decrypted, so
 * another process's write costs one read of the hashes, not a decryption of
 * every name.
 *
 * A reload checks the number of hashes against the integrity record, read
 * in the same snapshot: a damaged page that ends a read early would
 * otherwise look like a smaller vault.
 *
 * @module
 */

import { IntegrityError, SecretsEngineError } from "./errors.ts";
import type { SubKeys } from "./crypto.ts";
import type { EntryTable } from "./storage/entries.ts";
import { readAccumulator } from "./storage/integrity.ts";
import { NAME_CELL, openCell } from "./storage/rows.ts";
import type { Store } from "./storage/store.ts";

/** What the index knows of one entry. */
export interface Indexed {
  /** The clear name, once decrypted. */
  name: string | undefined;
  /** When the entry expires, in milliseconds since the epoch. */
  expires: number | null;
}

/** An entry the index has named. */
export interface NamedEntry {
  /** The name hash. */
  hash: string;
  /** The clear name. */
  name: string;
  /** When the entry expires, in milliseconds since the epoch. */
  expires: number | null;
}

/**
 * Whether an entry expiring at `expires` is still valid at `now`: an
 * expired entry reads as absent.
 *
 * @example Calling isLive
 * ```ts
 * import { isLive } from "./name_index.ts";
 * import assert from "node:assert/strict";
 * assert.ok(isLive(null, Date.now()) && !isLive(1, Date.now()));
 * ```
 */
export function isLive(expires: number | null, now: number): boolean {
  return expires === null || expires > now;
}

/** An engine's index of its vault's entries. */
export interface NameIndex {
  /** Every name hash, with what is known of it; current as of now. */
  current(): Map<string, Indexed>;
  /** Every entry with its clear name, decrypting those not seen before. */
  named(): NamedEntry[];
  /** Records an entry this engine wrote. */
  add(hash: string, name: string, expires: number | null): void;
  /** Records a new expiry of an entry this engine wrote. */
  expire(hash: string, expires: number | null): void;
  /** Records an entry this engine removed. */
  remove(hash: string): void;
  /** Forgets every name. */
  clear(): void;
}

/** What the index reads from. */
export interface IndexSource {
  store: Store;
  table: EntryTable;
  keys: SubKeys;
  /**
   * Recovery: skip names that do not decrypt and the count check, and keep
   * what was read before a damaged page.
   */
  lenient: boolean;
}

const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Makes the index of an open vault.
 */
export function nameIndex(source: IndexSource): NameIndex {
  const { store, table, keys, lenient } = source;
  let index: Map<string, Indexed> | null = null;
  let seenVersion = 0;

  function load(): Map<string, Indexed> {
    const previous = index;
    const loaded = new Map<string, Indexed>();
    const read = () =>
      table.eachHead((hash, expires) =>
        loaded.set(hash, { name: previous?.get(hash)?.name, expires })
      );
    if (lenient) {
      salvage(read);
      return loaded;
    }
    return store.snapshot(() => {
      read();
      const { count } = readAccumulator(table, keys);
      if (count !== loaded.size) {
        throw new IntegrityError(
          `store.db lists ${loaded.size} entries where its integrity record says ${count}: it is damaged`,
        );
      }
      return loaded;
    });
  }

  function current(): Map<string, Indexed> {
    const version = store.dataVersion();
    if (index === null || version !== seenVersion) {
      index = load();
      seenVersion = version;
    }
    return index;
  }

  // In recovery, a read that meets a damaged page keeps what it read
  // before it (the survey has reported the damage); otherwise it throws.
  function salvage(read: () => void): void {
    try {
      read();
    } catch (error) {
      if (!lenient || !(error instanceof SecretsEngineError)) throw error;
    }
  }

  function decryptName(hash: string, sealed: unknown): string | undefined {
    try {
      const plain = openCell(keys, NAME_CELL, hash, sealed);
      const name = decoder.decode(plain);
      plain.fill(0);
      return name;
    } catch (error) {
      if (lenient && error instanceof SecretsEngineError) return undefined;
      throw error;
    }
  }

  function named(): NamedEntry[] {
    const map = current();
    if ([...map.values()].some(({ name }) => name === undefined)) {
      salvage(() =>
        table.eachName((hash, name) => {
          const known = map.get(hash);
          if (known !== undefined && known.name === undefined) {
            known.name = decryptName(hash, name);
          }
        })
      );
    }
    return [...map].flatMap(([hash, { name, expires }]) =>
      name === undefined ? [] : [{ hash, name, expires }]
    );
  }

  return {
    current,
    named,
    add: (hash, name, expires) => index?.set(hash, { name, expires }),
    expire: (hash, expires) => {
      const known = index?.get(hash);
      if (known !== undefined) known.expires = expires;
    },
    remove: (hash) => index?.delete(hash),
    clear: () => {
      index = null;
    },
  };
}
