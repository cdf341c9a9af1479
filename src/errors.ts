/**
 * The errors the engine throws. Each has a stable {@linkcode SecretsEngineError.code}
 * to branch on; messages never contain a secret value or a clear entry name.
 *
 * @module
 */

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
  | "VAULT_NOT_FOUND";

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

  /**
   * Makes an error with a code; subclasses fix the code.
   *
   * @param code The stable code.
   * @param message What went wrong, free of secrets.
   * @param options The cause, when there is one.
   */
  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
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
  constructor(message: string, options?: ErrorOptions) {
    super("SECURITY", message, options);
  }
}

/**
 * The vault's data was changed outside the engine: a row, the schema or the
 * integrity record does not verify.
 */
export class IntegrityError extends SecretsEngineError {
  /**
   * Makes the error.
   *
   * @param message What failed to verify.
   * @param options The cause.
   */
  constructor(message: string, options?: ErrorOptions) {
    super("INTEGRITY", message, options);
  }
}

/**
 * The data key could not be unwrapped: the machine identity changed, or the
 * keyfile was replaced, damaged or removed.
 */
export class KeyMismatchError extends SecretsEngineError {
  /**
   * Makes the error.
   *
   * @param message Why the key does not fit.
   * @param options The cause.
   */
  constructor(message: string, options?: ErrorOptions) {
    super("KEY_MISMATCH", message, options);
  }
}

/**
 * `getOrThrow` found no secret under the name.
 */
export class KeyNotFoundError extends SecretsEngineError {
  /**
   * Makes the error.
   *
   * @param message Which entry, by hash prefix.
   * @param options The cause.
   */
  constructor(message: string, options?: ErrorOptions) {
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
  constructor(message: string, options?: ErrorOptions) {
    super("DECRYPTION", message, options);
  }
}

/**
 * The vault cannot be opened or created: a file is missing or unreadable,
 * or the format is newer than this version understands.
 */
export class InitializationError extends SecretsEngineError {
  /**
   * Makes the error.
   *
   * @param message What is missing or wrong.
   * @param options The cause.
   */
  constructor(message: string, options?: ErrorOptions) {
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
  constructor(flag: string, reason: string, options?: ErrorOptions) {
    super("PERMISSION", `${reason}: run with ${flag}`, options);
    this.flag = flag;
  }
}

/**
 * A name, value or pattern is not acceptable; nothing was written.
 */
export class ValidationError extends SecretsEngineError {
  /**
   * Makes the error.
   *
   * @param message What is wrong, never the input itself.
   * @param options The cause.
   */
  constructor(message: string, options?: ErrorOptions) {
    super("VALIDATION", message, options);
  }
}

/**
 * The engine was closed, or destroyed, before this call.
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
  constructor(message: string, options?: ErrorOptions) {
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
