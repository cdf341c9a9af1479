/**
 * The errors the engine throws. Each has a stable {@linkcode SecretsEngineError.code}
 * to branch on; messages never contain a secret value or a clear entry name.
 *
 * @module
 */

import { libraryRemedy, type Remedy } from "./remedy.ts";

/** The stable codes of {@linkcode SecretsEngineError} subclasses. */
export type ErrorCode =
  | "SECURITY"
  | "INTEGRITY"
  | "KEY_MISMATCH"
  | "KEY_NOT_FOUND"
  | "DECRYPTION"
  | "INITIALIZATION"
  | "PERMISSION"
  | "VALIDATION"
  | "CLOSED"
  | "BUSY"
  | "STORAGE"
  | "VAULT_NOT_FOUND"
  | "REMOTE";

/** The options of a {@linkcode SecretsEngineError}: its cause and remedy. */
export interface SecretsEngineErrorOptions extends ErrorOptions {
  /** What the caller can do about it. */
  remedy?: Remedy;
}

/**
 * The base of every error the engine throws.
 *
 * @example Branch on the code
 * ```ts
 * import { SecretsEngineError, ValidationError } from "@scope/secrets";
 * import assert from "node:assert/strict";
 *
 * const error: unknown = new ValidationError("name must not be empty");
 * if (error instanceof SecretsEngineError) assert.equal(error.code, "VALIDATION");
 * ```
 */
export class SecretsEngineError extends Error {
  /** A stable, machine-readable code; the message may change, this does not. */
  readonly code: ErrorCode;
  /** What went wrong: the message without its remedy. */
  readonly problem: string;
  /** What the caller can do about it, or `null`. */
  readonly remedy: Remedy | null;

  /**
   * Makes an error with a code; subclasses fix the code. The message is the
   * problem, then the remedy in the library's words.
   *
   * @param code The stable code.
   * @param problem What went wrong, free of secrets.
   * @param options The cause and the remedy, when there are.
   */
  constructor(
    code: ErrorCode,
    problem: string,
    options?: SecretsEngineErrorOptions,
  ) {
    const remedy = options?.remedy ?? null;
    super(
      remedy === null ? problem : `${problem}: ${libraryRemedy(remedy)}`,
      options,
    );
    this.code = code;
    this.problem = problem;
    this.remedy = remedy;
    this.name = new.target.name;
  }
}

/**
 * A vault file has unsafe permissions, is a symlink out of the vault, or is
 * not the kind of file the engine made.
 */
export class SecurityError extends SecretsEngineError {
  /**
   * Makes the error.
   *
   * @param message What is unsafe.
   * @param options The cause.
   */
  constructor(message: string, options?: SecretsEngineErrorOptions) {
    super("SECURITY", message, options);
  }
}

/**
 * The vault's data was changed outside the engine, or is damaged: a row,
 * a version, an annotation, a slot, a setting, the schema or the integrity
 * record does not verify. Open it with `recover: true` to read what still
 * decrypts.
 */
export class IntegrityError extends SecretsEngineError {
  /**
   * Makes the error.
   *
   * @param message What failed to verify.
   * @param options The cause.
   */
  constructor(message: string, options?: SecretsEngineErrorOptions) {
    super("INTEGRITY", message, options);
  }
}

/**
 * No slot opens the vault: the keyfile was replaced, damaged or removed,
 * or the passphrase, recovery key or identity given is wrong.
 */
export class KeyMismatchError extends SecretsEngineError {
  /**
   * Makes the error.
   *
   * @param message Why the key does not fit.
   * @param options The cause.
   */
  constructor(message: string, options?: SecretsEngineErrorOptions) {
    super("KEY_MISMATCH", message, options);
  }
}

/**
 * `getOrThrow` found no secret under the name, or `revert` asked for a
 * version that is not kept.
 */
export class KeyNotFoundError extends SecretsEngineError {
  /**
   * Makes the error.
   *
   * @param message Which entry, by hash prefix.
   * @param options The cause.
   */
  constructor(message: string, options?: SecretsEngineErrorOptions) {
    super("KEY_NOT_FOUND", message, options);
  }
}

/**
 * A stored ciphertext failed to authenticate: it was altered or moved to
 * another row.
 */
export class DecryptionError extends SecretsEngineError {
  /**
   * Makes the error.
   *
   * @param message Which entry, by hash prefix.
   * @param options The cause.
   */
  constructor(message: string, options?: SecretsEngineErrorOptions) {
    super("DECRYPTION", message, options);
  }
}

/**
 * The vault cannot be opened or created: it is incomplete, a file is
 * missing or unreadable, the format is newer than this version understands,
 * or the storage under it cannot be written by this process.
 */
export class InitializationError extends SecretsEngineError {
  /**
   * Makes the error.
   *
   * @param message What is missing or wrong.
   * @param options The cause.
   */
  constructor(message: string, options?: SecretsEngineErrorOptions) {
    super("INITIALIZATION", message, options);
  }
}

/**
 * Deno has not granted a permission the operation needs. {@linkcode flag}
 * is the exact flag to add.
 *
 * @example The message ends with the flag to add
 * ```ts
 * import { PermissionError } from "@scope/secrets";
 * import assert from "node:assert/strict";
 * const error = new PermissionError("--allow-sys=hostname", "the vault is bound to the hostname");
 * assert.ok(error.message.includes("--allow-sys=hostname"));
 * ```
 */
export class PermissionError extends SecretsEngineError {
  /** The flag that grants what is missing, e.g. `--allow-read=/srv/vault`. */
  readonly flag: string;

  /**
   * Makes the error; the message ends with the flag to add.
   *
   * @param flag The exact flag to add.
   * @param reason What needs it, and any alternative.
   * @param options The cause.
   */
  constructor(
    flag: string,
    reason: string,
    options?: ErrorOptions & { orPath?: boolean },
  ) {
    super("PERMISSION", reason, {
      ...options,
      remedy: { kind: "permission", flag, orPath: options?.orPath },
    });
    this.flag = flag;
  }
}

/**
 * A name, value, pattern or option is not acceptable (including `get` of
 * a bytes value, and removing the last slot); nothing was written.
 */
export class ValidationError extends SecretsEngineError {
  /**
   * Makes the error.
   *
   * @param message What is wrong, never the input itself.
   * @param options The cause.
   */
  constructor(message: string, options?: SecretsEngineErrorOptions) {
    super("VALIDATION", message, options);
  }
}

/**
 * The engine was closed or destroyed before this call, or another process
 * destroyed or rotated the vault under it.
 */
export class ClosedError extends SecretsEngineError {
  /**
   * Makes the error.
   *
   * @param message Why the engine is closed; by default, that `close()` or
   *   `destroy()` was called on it.
   * @param options The cause.
   */
  constructor(
    message = "the secrets engine is closed",
    options?: ErrorOptions,
  ) {
    super("CLOSED", message, options);
  }
}

/**
 * Another connection held the vault's write lock for longer than the busy
 * timeout; nothing was written, and the call may be retried.
 */
export class BusyError extends SecretsEngineError {
  /**
   * Makes the error.
   *
   * @param timeoutMs How long the engine waited.
   * @param options The cause.
   */
  constructor(timeoutMs: number, options?: ErrorOptions) {
    super(
      "BUSY",
      `the vault stayed locked by another writer for ${timeoutMs} ms`,
      options,
    );
  }
}

/**
 * The storage under the vault failed: the disk is full, or the operating
 * system reported an I/O error. Nothing was written by the call that threw;
 * reading still works while the disk is full.
 */
export class StorageError extends SecretsEngineError {
  /**
   * Makes the error.
   *
   * @param message What failed, free of secrets.
   * @param options The cause.
   */
  constructor(message: string, options?: SecretsEngineErrorOptions) {
    super("STORAGE", message, options);
  }
}

/**
 * There is no vault at the path, and the caller asked not to create one
 * (`open({ create: false })`).
 */
export class VaultNotFoundError extends SecretsEngineError {
  /** The vault directory that holds no vault. */
  readonly path: string;

  /**
   * Makes the error.
   *
   * @param path The vault directory that holds no vault.
   * @param options The cause.
   */
  constructor(path: string, options?: ErrorOptions) {
    super("VAULT_NOT_FOUND", `no vault at ${path}`, options);
    this.path = path;
  }
}

/**
 * The remote could not be reached, refused the login, or lacks what the
 * call needs (a table, a privilege). Nothing local was changed by the call
 * that threw; the vault reads and writes as before, offline.
 *
 * @example Tell a remote's failure from the vault's
 * ```ts
 * import { RemoteError } from "@scope/secrets";
 * import assert from "node:assert/strict";
 * assert.equal(new RemoteError("the server is unreachable").code, "REMOTE");
 * ```
 */
export class RemoteError extends SecretsEngineError {
  /**
   * Makes the error.
   *
   * @param message What failed, free of secrets and passwords.
   * @param options The cause.
   */
  constructor(message: string, options?: SecretsEngineErrorOptions) {
    super("REMOTE", message, options);
  }
}
