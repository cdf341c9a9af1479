/**
 * The options of an open: what a caller may pass to
 * {@linkcode SecretsEngine.open}, their defaults, and the checks that turn
 * them into what an open works with, before anything on disk is touched.
 *
 * @module
 */

import { parseFactors } from "../keys/factors.ts";
import { checkUnlock } from "../keys/unlock_options.ts";
import { DEFAULT_HISTORY_LIMIT } from "../limits.ts";
import { ValidationError } from "../errors.ts";
import { checkLocation } from "../storage/location.ts";
import { validateHistoryLimit } from "../rules/validate.ts";
import type { BindingFactor, LocationOptions, Unlock } from "../types.ts";

/** Options for {@linkcode SecretsEngine.open}. */
export interface OpenOptions extends LocationOptions {
  /**
   * Opens the vault through a passphrase or key slot instead of the
   * machine slot: `{ passphrase }` or `{ key }` (a key
   * {@linkcode SecretsEngine.addKey} made, with or without its dashes). A
   * secret that opens no slot is {@linkcode KeyMismatchError}; a key whose
   * check character does not match is a {@linkcode ValidationError}
   * ("mistyped"). Implies `create: false`.
   */
  unlock?: Unlock;
  /**
   * Machine facts a new vault is bound to, besides its keyfile: any of
   * `"hostname"` and `"user"` (each needs its `--allow-sys` permission on
   * every later open). Default: none, the keyfile alone. Ignored when the
   * vault exists: it keeps the factors it was made with.
   */
  factors?: BindingFactor[];
  /**
   * How long a write waits for another writer's lock before
   * {@linkcode BusyError}: a whole number of milliseconds up to 2^31 − 1.
   * Default 5000.
   */
  busyTimeoutMs?: number;
  /**
   * Whether to create the vault when there is none. Default `true`; with
   * `false`, a missing vault is {@linkcode VaultNotFoundError} and nothing
   * is created, not even the directory.
   */
  create?: boolean;
  /**
   * Opens a vault that fails verification, read-only, to get out what is
   * intact: {@linkcode SecretsEngine.recovery} reports what failed, reads
   * work for every entry that decrypts and authenticates, writes are
   * refused, nothing is sealed, upgraded or created (a missing vault is
   * {@linkcode VaultNotFoundError}). The data key must still unwrap.
   */
  recover?: boolean;
  /**
   * How many earlier versions of each secret a new vault keeps (0 keeps
   * none): a whole number up to {@linkcode MAX_HISTORY_LIMIT}. Default
   * {@linkcode DEFAULT_HISTORY_LIMIT} (10). Used when the vault is created
   * or upgraded from an earlier format; an existing vault keeps its own
   * limit, which {@linkcode SecretsEngine.setHistoryLimit} changes.
   */
  historyLimit?: number;
}

/** The options of an open, checked and with their defaults. */
export interface CheckedOptions {
  unlock: Unlock | undefined;
  factors: BindingFactor[];
  busyTimeoutMs: number;
  create: boolean;
  recover: boolean;
  historyLimit: number;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000;
// SQLite takes the timeout as a signed 32-bit int; above it Deno aborts.
const MAX_BUSY_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Checks the options of an open; anything malformed is a
 * {@linkcode ValidationError}, before any file is touched.
 */
export function checkOptions(options: OpenOptions): CheckedOptions {
  if (typeof options !== "object" || options === null) {
    throw new ValidationError("options must be an object");
  }
  checkLocation(options);
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  if (
    !Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0 ||
    busyTimeoutMs > MAX_BUSY_TIMEOUT_MS
  ) {
    throw new ValidationError(
      `busyTimeoutMs must be a whole number of milliseconds from 0 to ${MAX_BUSY_TIMEOUT_MS}`,
    );
  }
  for (const flag of ["create", "recover"] as const) {
    if (options[flag] !== undefined && typeof options[flag] !== "boolean") {
      throw new ValidationError(`${flag} must be true or false`);
    }
  }
  const recover = options.recover ?? false;
  const unlock = checkUnlock(options.unlock);
  if ((recover || unlock) && options.create === true) {
    throw new ValidationError(
      `${recover ? "recover" : "unlock"} opens an existing vault: drop create`,
    );
  }
  return {
    unlock,
    factors: parseFactors(options.factors ?? []),
    busyTimeoutMs,
    create: !recover && !unlock && (options.create ?? true),
    recover,
    historyLimit: validateHistoryLimit(
      options.historyLimit ?? DEFAULT_HISTORY_LIMIT,
    ),
  };
}
