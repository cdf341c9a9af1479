/**
 * Translation of what SQLite and the operating system throw into the
 * engine's errors, so that no raw `ERR_SQLITE_ERROR`, `RangeError` or Deno
 * filesystem error ever reaches a caller.
 *
 * @module
 */

import {
  BusyError,
  InitializationError,
  IntegrityError,
  PermissionError,
  SecretsEngineError,
  StorageError,
} from "../errors.ts";

// SQLite's primary result codes (https://sqlite.org/rescode.html).
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_READONLY = 8;
const SQLITE_IOERR = 10;
const SQLITE_CORRUPT = 11;
const SQLITE_FULL = 13;
const SQLITE_CANTOPEN = 14;
const SQLITE_CONSTRAINT = 19;
const SQLITE_NOTADB = 26;

// node:sqlite sets `errcode` on some errors only: the message decides the rest.
const MESSAGES: [RegExp, number][] = [
  [/database is (?:locked|busy)/, SQLITE_BUSY],
  [/database or disk is full/, SQLITE_FULL],
  [/disk I\/O error/, SQLITE_IOERR],
  [/unable to open database file/, SQLITE_CANTOPEN],
  [/readonly database/, SQLITE_READONLY],
  [/not a database/, SQLITE_NOTADB],
  [/constraint failed/, SQLITE_CONSTRAINT],
  [/malformed|disk image/, SQLITE_CORRUPT],
];

const DISK_FULL = "the disk holding the vault is full: nothing was written";
const IO_ERROR =
  "the operating system reported an I/O error on the vault's storage";

function sqliteCode(error: Error): number | null {
  const errcode = (error as { errcode?: unknown }).errcode;
  if (typeof errcode === "number") return errcode & 0xff;
  return MESSAGES.find(([pattern]) => pattern.test(error.message))?.[1] ?? null;
}

/**
 * Maps an error from `node:sqlite` to the engine's: lock timeouts to
 * {@linkcode BusyError}, a full disk or an I/O error to
 * {@linkcode StorageError}, a file it cannot write to
 * {@linkcode InitializationError}, a damaged file, an out-of-range stored
 * number or a row in the way of one the engine writes (only raw SQL puts
 * one there) to {@linkcode IntegrityError}. Anything else goes through
 * {@linkcode translateOsError}.
 */
export function translateSqliteError(
  error: unknown,
  busyTimeoutMs: number,
): SecretsEngineError {
  if (error instanceof SecretsEngineError) return error;
  if (error instanceof RangeError) {
    return new IntegrityError(
      "store.db holds a number out of range: it was changed outside the engine",
      { cause: error },
    );
  }
  if (!(error instanceof Error)) return translateOsError(error);
  const options = { cause: error };
  switch (sqliteCode(error)) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return new BusyError(busyTimeoutMs, options);
    case SQLITE_FULL:
      return new StorageError(DISK_FULL, options);
    case SQLITE_IOERR:
      return new StorageError(IO_ERROR, options);
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
      return new InitializationError(
        "store.db cannot be opened for writing: the vault directory and its files must be writable by their owner (is it read-only?)",
        options,
      );
    case SQLITE_CONSTRAINT:
      return new IntegrityError(
        "store.db holds a row the engine did not write where it writes one: it was changed outside the engine, and nothing was written",
        options,
      );
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return new IntegrityError("store.db is damaged and cannot be read", {
        cause: error,
      });
    default:
      return translateOsError(error);
  }
}

/**
 * Maps an error from Deno's filesystem API (or anything else) to the
 * engine's. A denied Deno permission names its flag when `path` is known.
 */
export function translateOsError(
  error: unknown,
  path?: string,
): SecretsEngineError {
  if (error instanceof SecretsEngineError) return error;
  const options = { cause: error };
  if (error instanceof Deno.errors.NotCapable) {
    // "Requires write access to "/v/.keyfile", run again with ..."
    const [, access = "read", denied = path ?? "<vault>"] =
      /Requires (read|write) access to "([^"]+)"/.exec(error.message) ?? [];
    return new PermissionError(
      `--allow-${access}=${denied}`,
      `Deno denied ${access} access to a vault file (is it under --deny-${access}?)`,
      options,
    );
  }
  if (error instanceof Deno.errors.PermissionDenied) {
    return new InitializationError(
      `the operating system denied access to the vault: ${error.message}`,
      options,
    );
  }
  if (error instanceof Deno.errors.NotADirectory) {
    return new InitializationError(
      "a parent of the vault path is a file, not a directory",
      options,
    );
  }
  if (error instanceof Deno.errors.NotFound) {
    return new InitializationError(
      "a vault file disappeared while in use: was the vault destroyed meanwhile?",
      options,
    );
  }
  const code = (error as { code?: unknown })?.code;
  if (code === "ENOSPC" || code === "EDQUOT") {
    return new StorageError(DISK_FULL, options);
  }
  if (code === "EROFS") {
    return new InitializationError(
      "the vault's storage is read-only: nothing can be written there",
      options,
    );
  }
  const name = error instanceof Error ? error.name : typeof error;
  return new StorageError(`${IO_ERROR} (${name})`, options);
}
