/**
 * The storage binding: a small interface over SQLite (open, exec, prepare,
 * transaction, checkpoint, close) so that another binding can be swapped
 * in, and its implementation on Deno's built-in `node:sqlite`, which needs
 * no native library and no permission beyond read/write on the file.
 *
 * @module
 */

import {
  DatabaseSync,
  type SQLInputValue,
  type StatementSync,
} from "node:sqlite";
import { BusyError, StorageError } from "../errors.ts";
import { translateSqliteError } from "./failures.ts";

/** A value SQLite takes or returns. */
export type SqlValue = null | number | bigint | string | Uint8Array;

/** A result row, by column name. */
export type Row = Record<string, SqlValue>;

/** A prepared statement, compiled once and run many times. */
export interface Statement {
  /** Runs the statement, returning how many rows it changed. */
  run(...params: SqlValue[]): number;
  /** The first result row, or `undefined`. */
  get(...params: SqlValue[]): Row | undefined;
  /**
   * Every result row. There is deliberately no lazy iteration:
   * `node:sqlite`'s `iterate()` ends silently at a damaged page, where
   * `all()` throws.
   */
  all(...params: SqlValue[]): Row[];
}

/** An open database. */
export interface Store {
  /** Runs SQL that returns nothing. */
  exec(sql: string): void;
  /** A statement, compiled on its first use. */
  prepare(sql: string): Statement;
  /**
   * Runs `fn` in a write transaction that holds the write lock from the
   * start (`BEGIN IMMEDIATE`), committing on return and rolling back on a
   * throw.
   */
  transaction<T>(fn: () => T): T;
  /** Runs `fn` in one read transaction, so it sees a single snapshot. */
  snapshot<T>(fn: () => T): T;
  /** Checkpoints and truncates the WAL; `false` when another connection kept it from completing. */
  checkpoint(): boolean;
  /** A number that changes whenever another connection commits. */
  dataVersion(): number;
  /** How many rows this connection has changed since it opened. */
  changes(): number;
  /** Closes the database; idempotent. */
  close(): void;
}

/** How to open a store. */
export interface StoreOptions {
  /** How long a writer waits for the write lock before {@linkcode BusyError}. */
  busyTimeoutMs: number;
}

function guarded<A extends unknown[], R>(
  fn: (...args: A) => R,
  busyTimeoutMs: number,
): (...args: A) => R {
  return (...args) => {
    try {
      return fn(...args);
    } catch (error) {
      throw translateSqliteError(error, busyTimeoutMs);
    }
  };
}

/**
 * `sql` as a statement compiled on its first use: an open prepares the
 * statements of every table, and a one-shot command (`secrets get`) uses
 * one of them.
 */
function lazyStatement(
  db: DatabaseSync,
  sql: string,
  busyTimeoutMs: number,
): Statement {
  let compiled: StatementSync | null = null;
  const statement = () => compiled ??= db.prepare(sql);
  const params = (values: SqlValue[]) => values as SQLInputValue[];
  return {
    run: guarded(
      (...values) => Number(statement().run(...params(values)).changes),
      busyTimeoutMs,
    ),
    get: guarded(
      (...values) => statement().get(...params(values)) as Row | undefined,
      busyTimeoutMs,
    ),
    all: guarded(
      (...values) => statement().all(...params(values)) as Row[],
      busyTimeoutMs,
    ),
  };
}

const PRAGMAS = [
  "PRAGMA journal_mode = WAL",
  // What a write deletes is overwritten with zeros in its page, so a copy
  // of the files taken after a removal holds nothing of what was removed
  // (with the TRUNCATE checkpoint that pushes old page images out of the
  // WAL: see tryCheckpoint).
  "PRAGMA secure_delete = ON",
  // An acknowledged write survives power loss.
  "PRAGMA synchronous = FULL",
  // No temporary file outside the vault directory.
  "PRAGMA temp_store = MEMORY",
  "PRAGMA trusted_schema = OFF",
].join(";");

const READ_ONLY_PRAGMAS = [
  "PRAGMA query_only = ON",
  "PRAGMA temp_store = MEMORY",
  "PRAGMA trusted_schema = OFF",
].join(";");

/**
 * Opens the SQLite database at `path` (which must exist, so its mode is the
 * engine's, not SQLite's default) in WAL mode with durable commits.
 */
export function openStore(path: string, options: StoreOptions): Store {
  const { busyTimeoutMs } = options;
  const db = guarded(
    () => new DatabaseSync(path, { timeout: busyTimeoutMs }),
    busyTimeoutMs,
  )();
  return wrapDatabase(db, PRAGMAS, busyTimeoutMs);
}

/**
 * Opens a read-only connection to the WAL database at `path` that holds
 * SQLite's shared lock from the start: while it is open, no other
 * connection of this process closing can checkpoint the WAL into the
 * database or delete it, and it never does either itself. An open holds
 * one until the vault has verified, so a failed open leaves the WAL as it
 * found it.
 */
export function openWalGuard(path: string, options: StoreOptions): Store {
  const { busyTimeoutMs } = options;
  const db = guarded(
    () => new DatabaseSync(path, { timeout: busyTimeoutMs, readOnly: true }),
    busyTimeoutMs,
  )();
  const store = wrapDatabase(db, READ_ONLY_PRAGMAS, busyTimeoutMs);
  store.snapshot(() => store.prepare("SELECT 1 FROM sqlite_master").get());
  return store;
}

// Bytes 18 and 19 of the database header: 2 = WAL, 1 = rollback journal.
const WRITE_VERSION_OFFSET = 18;
const ROLLBACK_JOURNAL = 1;

/**
 * Opens a database image held in memory, read-only: what a recovery reads,
 * so that no byte of any vault file changes. The image is marked in place
 * as a rollback-journal database: a database in memory has no WAL, and
 * SQLite will not open one whose header asks for it.
 */
export function openImage(image: Uint8Array): Store {
  if (image.length > WRITE_VERSION_OFFSET + 1) {
    image.fill(
      ROLLBACK_JOURNAL,
      WRITE_VERSION_OFFSET,
      WRITE_VERSION_OFFSET + 2,
    );
  }
  const db = new DatabaseSync(":memory:");
  try {
    db.deserialize(image);
  } catch (error) {
    db.close();
    throw translateSqliteError(error, 0);
  }
  return wrapDatabase(db, READ_ONLY_PRAGMAS, 0);
}

function wrapDatabase(
  db: DatabaseSync,
  pragmas: string,
  busyTimeoutMs: number,
): Store {
  const exec = guarded((sql: string) => db.exec(sql), busyTimeoutMs);
  try {
    exec(pragmas);
  } catch (error) {
    db.close();
    throw error;
  }
  const version = db.prepare("PRAGMA data_version");
  const changes = db.prepare("SELECT total_changes() AS n");
  const checkpoint = db.prepare("PRAGMA wal_checkpoint(TRUNCATE)");

  function inTransaction<T>(begin: string, fn: () => T): T {
    exec(begin);
    try {
      const result = fn();
      exec("COMMIT");
      return result;
    } catch (error) {
      if (db.isTransaction) db.exec("ROLLBACK");
      throw error;
    }
  }

  return {
    exec,
    prepare: (sql) => lazyStatement(db, sql, busyTimeoutMs),
    transaction: (fn) => inTransaction("BEGIN IMMEDIATE", fn),
    snapshot: (fn) => inTransaction("BEGIN", fn),
    checkpoint: guarded(() => {
      const result = checkpoint.get();
      return result?.busy === 0 && result.log === result.checkpointed;
    }, busyTimeoutMs),
    dataVersion: () => Number(version.get()?.data_version),
    changes: () => Number(changes.get()?.n),
    close: () => {
      if (db.isOpen) db.close();
    },
  };
}

/**
 * Checkpoints fully and truncates the WAL, so the files keep no page image
 * older than the last commit: what a removal must do before it is gone from
 * a copy of the files. `false` when another connection's read transaction
 * or a full disk kept it from completing; the next checkpoint (every close
 * and every open runs one) finishes it.
 */
export function tryCheckpoint(store: Store): boolean {
  try {
    return store.checkpoint();
  } catch (error) {
    if (error instanceof StorageError || error instanceof BusyError) {
      return false;
    }
    throw error;
  }
}
