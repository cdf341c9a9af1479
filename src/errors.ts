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
 *
 * const error: unknown = new ValidationError("name must not be empty");
 * if (error instanceof SecretsEngineError) console.assert(error.code === "VALIDATION");
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
 *
 * @example
 * ```ts
 * import { SecurityError } from "@scope/secrets";
 * console.assert(new SecurityError("mode 0644").code === "SECURITY");
 * ```
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
 *
 * @example
 * ```ts
 * import { IntegrityError } from "@scope/secrets";
 * console.assert(new IntegrityError("tag mismatch").code === "INTEGRITY");
 * ```
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
 *
 * @example
 * ```ts
 * import { KeyMismatchError } from "@scope/secrets";
 * console.assert(new KeyMismatchError("keyfile replaced").code === "KEY_MISMATCH");
 * ```
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
 *
 * @example
 * ```ts
 * import { KeyNotFoundError } from "@scope/secrets";
 * console.assert(new KeyNotFoundError("no such secret").code === "KEY_NOT_FOUND");
 * ```
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
 *
 * @example
 * ```ts
 * import { DecryptionError } from "@scope/secrets";
 * console.assert(new DecryptionError("bad tag").code === "DECRYPTION");
 * ```
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
 *
 * @example
 * ```ts
 * import { InitializationError } from "@scope/secrets";
 * console.assert(new InitializationError("store.db missing").code === "INITIALIZATION");
 * ```
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
 * @example
 * ```ts
 * import { PermissionError } from "@scope/secrets";
 * const error = new PermissionError("--allow-sys=hostname", "the vault is bound to the hostname");
 * console.assert(error.message.includes("--allow-sys=hostname"));
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
 *
 * @example
 * ```ts
 * import { ValidationError } from "@scope/secrets";
 * console.assert(new ValidationError("value must be a string").code === "VALIDATION");
 * ```
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
 *
 * @example
 * ```ts
 * import { ClosedError } from "@scope/secrets";
 * console.assert(new ClosedError().code === "CLOSED");
 * ```
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
 *
 * @example
 * ```ts
 * import { BusyError } from "@scope/secrets";
 * console.assert(new BusyError(5000).code === "BUSY");
 * ```
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
 *
 * @example
 * ```ts
 * import { StorageError } from "@scope/secrets";
 * console.assert(new StorageError("the disk is full").code === "STORAGE");
 * ```
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
 *
 * @example
 * ```ts
 * import { VaultNotFoundError } from "@scope/secrets";
 * console.assert(new VaultNotFoundError("/srv/vault").code === "VAULT_NOT_FOUND");
 * ```
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
