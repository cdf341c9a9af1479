/**
 * The vault's tables, of every format, and the keys of the `meta` record:
 * the format version, the key check and the integrity record (and, in
 * formats 1 and 2, the single wrapped data key with its KDF salt,
 * parameters and binding factors). `meta_table.ts` reads and writes them.
 *
 * @module
 */

import type { KdfParams } from "../crypto.ts";
import { IntegrityError } from "../errors.ts";
import type { Store } from "./store.ts";

/**
 * The on-disk format this version writes; it reads every format from 1 up.
 * Format 2 bound the key record's fields into the wrapped key's additional
 * data; format 3 keeps the data key in key slots, any one of which opens
 * the vault; format 4 gives entries a kind, an expiry and a version, and
 * keeps their earlier versions as history; format 5 lets an entry carry an
 * annotation (a note, tags and a rotation policy); format 6 adds member
 * slots, the copy key the local slots wrap, a name key kept through
 * rotations, and the exposure marks a member's removal leaves; format 7
 * adds the `replica` table, where a copy that syncs keeps its merge bases.
 */
export const FORMAT_VERSION = 7;

/** The last format that kept a single wrapped key in `meta`. */
export const LAST_SINGLE_KEY_FORMAT = 2;

/** The last format whose entries had no kind, expiry, version or history. */
export const LAST_UNVERSIONED_FORMAT = 3;

/** The last format whose entries carried no annotation. */
export const LAST_UNANNOTATED_FORMAT = 4;

/** The last format without members: local slots wrapped the data key. */
export const LAST_UNSHARED_FORMAT = 5;

/** The last format without a `replica` table. */
export const LAST_UNSYNCED_FORMAT = 6;

const META_TABLE =
  "CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID";
/** The statement that creates the entries table of formats 1 to 3. */
const UNVERSIONED_ENTRIES_TABLE =
  "CREATE TABLE entries (name_hash TEXT PRIMARY KEY, name BLOB NOT NULL, " +
  "value BLOB NOT NULL, created INTEGER NOT NULL, updated INTEGER NOT NULL) " +
  "WITHOUT ROWID";

/** The statement that creates the entries table (format 4). */
export const ENTRIES_TABLE =
  "CREATE TABLE entries (name_hash TEXT PRIMARY KEY, name BLOB NOT NULL, " +
  "value BLOB NOT NULL, kind TEXT NOT NULL, expires INTEGER, " +
  "version INTEGER NOT NULL, created INTEGER NOT NULL, " +
  "updated INTEGER NOT NULL) WITHOUT ROWID";

/** The statement that creates the table of earlier versions (format 4). */
export const HISTORY_TABLE =
  "CREATE TABLE history (name_hash TEXT NOT NULL, version INTEGER NOT NULL, " +
  "value BLOB NOT NULL, kind TEXT NOT NULL, expires INTEGER, " +
  "updated INTEGER NOT NULL, PRIMARY KEY (name_hash, version)) WITHOUT ROWID";

/**
 * The statement that creates the table of annotations (format 5): at most
 * one per entry, sealed under the value key.
 */
export const ANNOTATIONS_TABLE =
  "CREATE TABLE annotations (name_hash TEXT PRIMARY KEY, " +
  "sealed BLOB NOT NULL) WITHOUT ROWID";

/**
 * The statement that creates the table of exposure marks (format 6): at
 * most one per entry, sealed under the value key, listing the members
 * removed while it held a value they could read.
 */
export const EXPOSURES_TABLE =
  "CREATE TABLE exposures (name_hash TEXT PRIMARY KEY, " +
  "sealed BLOB NOT NULL) WITHOUT ROWID";

/**
 * The statement that creates the table of merge bases (format 7): per name
 * hash, what this copy last saw of it on its remote, sealed under the value
 * key; the empty name holds the remote head it last saw.
 */
export const REPLICA_TABLE =
  "CREATE TABLE replica (name_hash TEXT PRIMARY KEY, " +
  "sealed BLOB NOT NULL) WITHOUT ROWID";

/** The statement that creates the key slots table (format 3). */
export const SLOTS_TABLE =
  "CREATE TABLE slots (id TEXT PRIMARY KEY, kind TEXT NOT NULL, " +
  "label TEXT NOT NULL, created INTEGER NOT NULL, kdf TEXT NOT NULL, " +
  "salt BLOB NOT NULL, factors TEXT NOT NULL, wrapped BLOB NOT NULL) " +
  "WITHOUT ROWID";

/**
 * The engine's schema, exactly as SQLite records it in `sqlite_master`. A
 * vault holding any other table, index, trigger or view has been tampered
 * with.
 */
export const SCHEMA: readonly string[] = [
  META_TABLE,
  ENTRIES_TABLE,
  SLOTS_TABLE,
  HISTORY_TABLE,
  ANNOTATIONS_TABLE,
  EXPOSURES_TABLE,
  REPLICA_TABLE,
];

/** The schema of format 6: members and exposure marks, no merge bases. */
const UNSYNCED_SCHEMA: readonly string[] = SCHEMA.filter((sql) =>
  sql !== REPLICA_TABLE
);

/** The schema of format 5: annotations, no exposure marks. */
const UNSHARED_SCHEMA: readonly string[] = UNSYNCED_SCHEMA.filter((sql) =>
  sql !== EXPOSURES_TABLE
);

/** The schema of format 4: versioned entries, no annotations. */
const UNANNOTATED_SCHEMA: readonly string[] = UNSHARED_SCHEMA.filter((sql) =>
  sql !== ANNOTATIONS_TABLE
);

/** The schema of formats 1 and 2, before key slots. */
export const SINGLE_KEY_SCHEMA: readonly string[] = [
  META_TABLE,
  UNVERSIONED_ENTRIES_TABLE,
];

/** The schema of format 3: key slots, entries without versions. */
const UNVERSIONED_SCHEMA: readonly string[] = [
  ...SINGLE_KEY_SCHEMA,
  SLOTS_TABLE,
];

/** The schema of `format`. */
function schemaOf(format: number): readonly string[] {
  if (format <= LAST_SINGLE_KEY_FORMAT) return SINGLE_KEY_SCHEMA;
  if (format <= LAST_UNVERSIONED_FORMAT) return UNVERSIONED_SCHEMA;
  if (format <= LAST_UNANNOTATED_FORMAT) return UNANNOTATED_SCHEMA;
  if (format <= LAST_UNSHARED_FORMAT) return UNSHARED_SCHEMA;
  return format <= LAST_UNSYNCED_FORMAT ? UNSYNCED_SCHEMA : SCHEMA;
}

/**
 * The key record of formats 1 and 2: one data key, wrapped by a key derived
 * with scrypt from the keyfile and the binding factors.
 */
export interface SingleKeyRecord {
  /** The format the vault was written in: 1 or 2. */
  format: number;
  /** scrypt parameters for the key-encryption key. */
  kdf: KdfParams;
  /** scrypt salt. */
  salt: Uint8Array;
  /** The names of the binding factors recorded at creation. */
  factors: string[];
  /** The data key, wrapped by the key-encryption key. */
  wrappedKey: Uint8Array;
}

/** The `meta` keys of a {@linkcode SingleKeyRecord}, besides `format`. */
export const SINGLE_KEY_FIELDS: readonly string[] = [
  "kdf",
  "salt",
  "factors",
  "key",
];

/** One key slot, as stored and as the accumulator covers it. */
export interface SlotRow {
  /** A short random id, the primary key. */
  id: string;
  /** `machine`, `passphrase` or `key`; `keys/` knows what they mean. */
  kind: string;
  /** A label for people, possibly empty. */
  label: string;
  /** Creation time, milliseconds since the epoch. */
  created: number;
  /** The KDF and its parameters, as JSON. */
  kdf: string;
  /** The KDF salt. */
  salt: Uint8Array;
  /** The binding factors of a machine slot, as a JSON list of names. */
  factors: string;
  /** The data key, wrapped by the slot's key-encryption key. */
  wrapped: Uint8Array;
}

/** The `meta` key of the integrity record. */
export const INTEGRITY_KEY = "integrity";

/** The `meta` key of the key check (format 3). */
export const KEY_CHECK_KEY = "key_check";

/** The `meta` key of the vault's random id (format 6), bound into slots. */
export const VAULT_ID_KEY = "vault_id";

/** The `meta` key of this copy's public key (format 6). */
export const COPY_RECIPIENT_KEY = "copy_recipient";

/** The `meta` key of the keys wrapped to this copy's key (format 6). */
export const COPY_WRAP_KEY = "copy_wrap";

/** The `meta` key of how many earlier versions an entry keeps (format 4). */
export const HISTORY_LIMIT_KEY = "history_limit";

/**
 * The `meta` key `destroy()` writes, in the transaction that empties the
 * vault, before it removes any file: a vault holding it is gone, whatever
 * files an interrupted removal left behind.
 */
export const DESTROYED_KEY = "destroyed";

/**
 * The `meta` key that marks the database as needing a rewrite (see
 * `rewrite.ts`): set with a slot change or rotation, cleared once the file
 * was rewritten. Not covered by the accumulator: all a planted one does is
 * cause a rewrite.
 */
export const REWRITE_KEY = "rewrite";

/**
 * Whether the database holds nothing yet: a new file, or one whose creating
 * transaction never committed.
 */
export function isEmpty(store: Store): boolean {
  return store.prepare("SELECT 1 FROM sqlite_master LIMIT 1").get() ===
    undefined;
}

/**
 * Throws {@linkcode IntegrityError} unless the schema is exactly the one
 * of `format` ({@linkcode SCHEMA} for the current one): no table, index,
 * trigger or view beyond the engine's.
 */
export function checkSchema(store: Store, format = FORMAT_VERSION): void {
  const found = store.prepare("SELECT sql FROM sqlite_master").all()
    .map((row) => row.sql).sort();
  const expected = [...schemaOf(format)].sort();
  if (
    found.length !== expected.length ||
    found.some((sql, i) => sql !== expected[i])
  ) {
    throw new IntegrityError(
      "the database schema is not the engine's: objects were added or changed",
    );
  }
}
