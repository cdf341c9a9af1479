/**
 * What the vault layer works on: a vault opened and settled, with its
 * connection, statements, keys and names. Its own file, so that the
 * modules that take one need not import the module that opens it.
 *
 * @module
 */

import type { SubKeys } from "../crypto.ts";
import type { Unlocked } from "../keys/unlock.ts";
import type { EntryTable } from "../storage/entry_table.ts";
import type { Store } from "../storage/store.ts";
import type { Names } from "./names.ts";
import type { RecoveryReport } from "./recover.ts";

/** A vault opened and settled: what the engine works on. */
export interface OpenedVault {
  /** The vault directory's real path. */
  dir: string;
  /** The database connection. */
  store: Store;
  /** The entries table's statements on `store`. */
  table: EntryTable;
  /** The sub-keys of the data key. */
  keys: SubKeys;
  /** The format, as of the end of the open. */
  format: number;
  /** How long a write waits for the lock. */
  busyTimeoutMs: number;
  /** The data key and the slot that unlocked it. */
  unlocked: Unlocked;
  /** `store.db` as checked before SQLite opened it. */
  database: Deno.FileInfo;
  /** Whether the seal matched, so no full verification ran. */
  openedSealed: boolean;
  /**
   * When the seal matched, the store's data version and change count at
   * the end of the open: while both stay, the file is still the one the
   * seal vouches for, and close need not seal it again.
   */
  asSealed: { version: number; changes: number } | null;
  /** With `recover`, what the survey found; otherwise `null`. */
  recovery: RecoveryReport | null;
  /**
   * Whether it was opened from its files, read-only: a recovery, or a
   * vault on storage this process cannot write.
   */
  readOnly: boolean;
  /** Its names: their hashes, and the index of its entries. */
  names: Names;
  /** Whether this open created the vault. */
  created: boolean;
}
