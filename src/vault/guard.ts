/**
 * What every engine call goes through: refused once the engine is closed,
 * every failure turned into a {@linkcode SecretsEngineError}, damage noted
 * (so the engine never seals a file it found damaged), and a
 * {@linkcode ClosedError} from the vault (destroyed or rotated elsewhere)
 * closing the engine for good.
 *
 * @module
 */

import {
  ClosedError,
  DecryptionError,
  InitializationError,
  IntegrityError,
  SecretsEngineError,
  ValidationError,
} from "../errors.ts";
import { translateOsError } from "../storage/failures.ts";
import { checkStillOpen } from "../storage/integrity.ts";
import type { OpenedVault } from "./opened.ts";

/** One engine's call guard. */
export interface CallGuard {
  /** Why the engine is closed, or `null` while it is open. */
  readonly closed: string | null;
  /** Whether a check failed or a row did not decrypt. */
  readonly damaged: boolean;
  /** Runs `fn` on the open engine, for a getter. */
  callSync<T>(fn: () => T): T;
  /** {@linkcode CallGuard.callSync}, as a promise. */
  call<T>(fn: () => T): Promise<T>;
  /** Runs a write, which may await a KDF, on an engine that may write. */
  write<T>(fn: () => T | Promise<T>): Promise<T>;
  /** Closes the engine: `release` runs once. */
  shutdown(reason?: string): void;
}

/** What the guard needs of its engine. */
export interface GuardOptions {
  /**
   * Why the engine refuses writes, as the error a write throws (opened
   * with `recover`, or on storage it cannot write); `null` when it may
   * write.
   */
  readOnly: (() => SecretsEngineError) | null;
  /** Closes the vault and forgets what the engine held. */
  release(): void;
  /**
   * Throws {@linkcode ClosedError} when another engine or process rotated
   * or destroyed the vault: asked when a row does not decrypt, since a
   * rotation keeps every name hash and a stale engine finds rows it can no
   * longer open.
   */
  stillOpen(): void;
}

const CLOSED = "the secrets engine is closed";

/**
 * `error`, with the way out when it is an {@linkcode IntegrityError} that
 * has none yet: whatever check failed, a recovery open saves what is
 * intact.
 *
 * @example An integrity error names recover
 * ```ts
 * import { withWayOut } from "./guard.ts";
 * import { IntegrityError } from "../errors.ts";
 * import assert from "node:assert/strict";
 * const error = withWayOut(new IntegrityError("the integrity tag does not verify"));
 * assert.match(error.message, /recover: true/);
 * ```
 */
export function withWayOut(error: SecretsEngineError): SecretsEngineError {
  if (!(error instanceof IntegrityError) || error.remedy !== null) {
    return error;
  }
  return new IntegrityError(error.problem, {
    cause: error.cause,
    remedy: { kind: "recover" },
  });
}

/**
 * Why an engine on `vault` refuses writes, as the error a write throws, or
 * `null` when it may write.
 */
export function writeRefusal(
  vault: OpenedVault,
): (() => SecretsEngineError) | null {
  if (vault.recovery !== null) {
    return () =>
      new ValidationError(
        "this engine was opened with recover: true and is read-only",
      );
  }
  if (vault.readOnly) {
    return () =>
      new InitializationError(
        "the vault is on storage this process cannot write (read-only media, or no write permission on its directory): it can be read, and nothing was written",
      );
  }
  return null;
}

/**
 * Makes the call guard of one engine.
 *
 * @example Guard an engine's calls
 * ```ts
 * import { callGuard } from "./guard.ts";
 * import assert from "node:assert/strict";
 * const guard = callGuard({
 *   readOnly: null,
 *   release: () => {},
 *   stillOpen: () => {},
 * });
 * assert.equal(guard.callSync(() => 1), 1);
 * guard.shutdown();
 * assert.ok(guard.closed !== null);
 * ```
 */
export function callGuard(options: GuardOptions): CallGuard {
  let closed: string | null = null;
  let damaged = false;

  function shutdown(reason = CLOSED): void {
    closed = reason;
    options.release();
  }

  function failed(thrown: unknown): SecretsEngineError {
    // An operation that awaited a KDF while close() ran finds the store shut.
    if (closed !== null) {
      return thrown instanceof ClosedError ? thrown : new ClosedError(closed);
    }
    const error = thrown instanceof SecretsEngineError
      ? thrown
      : translateOsError(thrown);
    if (error instanceof DecryptionError) {
      const closedUnder = closedMeanwhile();
      if (closedUnder !== null) {
        shutdown(closedUnder.message);
        return closedUnder;
      }
    }
    if (error instanceof IntegrityError || error instanceof DecryptionError) {
      damaged = true;
    }
    if (error instanceof ClosedError) shutdown(error.message);
    return withWayOut(error);
  }

  function closedMeanwhile(): ClosedError | null {
    try {
      options.stillOpen();
      return null;
    } catch (error) {
      return error instanceof ClosedError ? error : null;
    }
  }

  function callSync<T>(fn: () => T): T {
    if (closed !== null) throw new ClosedError(closed);
    try {
      return fn();
    } catch (thrown) {
      throw failed(thrown);
    }
  }

  function ensureWritable(): void {
    if (options.readOnly !== null) throw options.readOnly();
  }

  return {
    get closed(): string | null {
      return closed;
    },
    get damaged(): boolean {
      return damaged;
    },
    callSync,
    call<T>(fn: () => T): Promise<T> {
      try {
        return Promise.resolve(callSync(fn));
      } catch (error) {
        return Promise.reject(error);
      }
    },
    async write<T>(fn: () => T | Promise<T>): Promise<T> {
      callSync(ensureWritable);
      try {
        return await fn();
      } catch (thrown) {
        throw failed(thrown);
      }
    },
    shutdown,
  };
}

/**
 * The check a guard asks when a row does not decrypt: whether `vault` was
 * rotated or destroyed by another engine or process.
 */
export function stillOpenCheck(vault: OpenedVault): () => void {
  return () => checkStillOpen(vault.table, vault.keys);
}
