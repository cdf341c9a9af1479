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
import { openField } from "./storage/rows.ts";
import type { Store } from "./storage/store.ts";

/** An engine's index of its vault's entries. */
export interface NameIndex {
  /** Every name hash, with its clear name if decrypted; current as of now. */
  current(): Map<string, string | undefined>;
  /** Every name hash with its clear name, decrypting those not seen before. */
  named(): [hash: string, name: string][];
  /** Records an entry this engine wrote. */
  add(hash: string, name: string): void;
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
  let index: Map<string, string | undefined> | null = null;
  let seenVersion = 0;

  function load(): Map<string, string | undefined> {
    const previous = index;
    const loaded = new Map<string, string | undefined>();
    const read = () =>
      table.eachHash((hash) => loaded.set(hash, previous?.get(hash)));
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

  function current(): Map<string, string | undefined> {
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
      const plain = openField(keys, "name", hash, sealed);
      const name = decoder.decode(plain);
      plain.fill(0);
      return name;
    } catch (error) {
      if (lenient && error instanceof SecretsEngineError) return undefined;
      throw error;
    }
  }

  function named(): [string, string][] {
    const map = current();
    if ([...map.values()].includes(undefined)) {
      salvage(() =>
        table.eachName((hash, name) => {
          if (map.has(hash) && map.get(hash) === undefined) {
            map.set(hash, decryptName(hash, name));
          }
        })
      );
    }
    return [...map].filter((pair): pair is [string, string] =>
      pair[1] !== undefined
    );
  }

  return {
    current,
    named,
    add: (hash, name) => index?.set(hash, name),
    remove: (hash) => index?.delete(hash),
    clear: () => {
      index = null;
    },
  };
}
