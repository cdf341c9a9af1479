/**
 * The names of an open vault. Every entry's primary key is an HMAC of its
 * name, so a name never appears in clear on disk; hashes are memoised (a
 * name's hash never changes, so the memo is never stale; it is only
 * bounded). The index holds every entry's name hash, with its clear name
 * once decrypted. It is loaded on demand and reloaded when another
 * connection commits; a reload keeps the names already decrypted, so
 * another process's write costs one read of the hashes, not a decryption of
 * every name. The writes of `write.ts` keep it in step with their own
 * commits.
 *
 * A reload checks the number of hashes against the integrity record, read
 * in the same snapshot: a damaged page that ends a read early would
 * otherwise look like a smaller vault.
 *
 * @module
 */

import { IntegrityError, SecretsEngineError } from "../errors.ts";
import { hmacText, type SubKeys } from "../crypto.ts";
import { validateStoredName } from "../rules/validate.ts";
import type { EntryTable } from "../storage/entry_table.ts";
import { readAccumulator } from "../storage/integrity.ts";
import { NAME_CELL, openCell } from "../storage/rows.ts";
import type { Store } from "../storage/store.ts";

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

/** An open vault's names: their hashes, and the index of its entries. */
export interface Names {
  /** The hash of exactly `name`. */
  hash(name: string): string;
  /**
   * The hashes `name` may be stored under: its normal form C, then (for a
   * name stored before 0.2 in another spelling) the exact spelling given.
   */
  lookup(name: string): readonly string[];
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
  /** Forgets every name and hash. */
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
const MEMO_LIMIT = 1 << 17;

/**
 * Makes the names of an open vault, keyed by its index sub-key.
 *
 * @example Hash a name in its two spellings
 * ```ts
 * import { vaultNames } from "./names.ts";
 * import { deriveSubKeys, randomBytes } from "../crypto.ts";
 * import { entryTable } from "../storage/entry_table.ts";
 * import { SCHEMA } from "../storage/schema.ts";
 * import { openStore } from "../storage/store.ts";
 * import assert from "node:assert/strict";
 * const dir = Deno.makeTempDirSync();
 * const path = `${dir}/store.db`;
 * Deno.writeFileSync(path, new Uint8Array(), { mode: 0o600 });
 * const store = openStore(path, { busyTimeoutMs: 100 });
 * store.exec(SCHEMA.join(";"));
 * const keys = deriveSubKeys(randomBytes(32));
 * const names = vaultNames({ store, table: entryTable(store), keys, lenient: false });
 * assert.equal(names.lookup("cafe\u0301").length, 2);
 * store.close();
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export function vaultNames(source: IndexSource): Names {
  const { store, table, keys, lenient } = source;
  const memo = new Map<string, string>();
  // A name's lookup (checked, normalised, hashed) never changes either.
  const lookups = new Map<string, readonly string[]>();
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

  function hash(name: string): string {
    let hashed = memo.get(name);
    if (hashed === undefined) {
      if (memo.size >= MEMO_LIMIT) memo.clear();
      hashed = hmacText(keys.index, name);
      memo.set(name, hashed);
    }
    return hashed;
  }

  return {
    hash,
    lookup(name): readonly string[] {
      let hashes = lookups.get(name);
      if (hashes === undefined) {
        const stored = validateStoredName(name);
        const normal = stored.normalize("NFC");
        hashes = normal === stored
          ? [hash(stored)]
          : [hash(normal), hash(stored)];
        if (lookups.size >= MEMO_LIMIT) lookups.clear();
        lookups.set(name, hashes);
      }
      return hashes;
    },
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
      memo.clear();
      lookups.clear();
    },
  };
}
