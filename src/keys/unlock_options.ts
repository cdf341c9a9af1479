/**
 * The `unlock` option, checked before anything opens: a passphrase, a
 * printed key (a typo is reported as one here), or a member's identity;
 * and what a passphrase or key gives the slots of this copy to derive from.
 *
 * @module
 */

import { ValidationError } from "../errors.ts";
import type { Unlock } from "../types.ts";
import { parseRecoveryKey } from "./recovery_key.ts";
import { passphraseSecret } from "./slot.ts";

const UNLOCK_SHAPES =
  "unlock must be { passphrase: string }, { key: string } or { identity: string, passphrase?: string }";

/** Checks `{ identity, passphrase? }`: non-empty text, a string passphrase. */
function checkIdentity(record: Record<string, unknown>): Unlock {
  const { identity, passphrase } = record;
  const extra = Object.keys(record)
    .some((field) => field !== "identity" && field !== "passphrase");
  if (
    typeof identity !== "string" || extra ||
    (passphrase !== undefined && typeof passphrase !== "string")
  ) {
    throw new ValidationError(UNLOCK_SHAPES);
  }
  if (identity.trim() === "") {
    throw new ValidationError("the identity must not be empty");
  }
  return passphrase === undefined ? { identity } : { identity, passphrase };
}

/**
 * Checks an `unlock` option: one of `{ passphrase }` (non-empty), `{ key }`
 * (a well-formed key: a typo is reported as one here) or `{ identity }`
 * (non-empty text, read when the vault opens).
 *
 * @example Check an unlock option
 * ```ts
 * import { checkUnlock } from "./unlock_options.ts";
 * import assert from "node:assert/strict";
 * assert.equal(checkUnlock(undefined), undefined);
 * ```
 */
export function checkUnlock(unlock: unknown): Unlock | undefined {
  if (unlock === undefined) return undefined;
  const record: Record<string, unknown> =
    typeof unlock === "object" && unlock !== null ? { ...unlock } : {};
  const fields = Object.keys(record);
  const { passphrase, key, identity } = record;
  if (typeof identity === "string") return checkIdentity(record);
  if (fields.length === 1 && typeof passphrase === "string") {
    if (passphrase === "") {
      throw new ValidationError("the passphrase must not be empty");
    }
    return { passphrase };
  }
  if (fields.length === 1 && typeof key === "string") {
    parseRecoveryKey(key).fill(0);
    return { key };
  }
  throw new ValidationError(UNLOCK_SHAPES);
}

/** A passphrase or a key: an `unlock` that opens a slot of this copy. */
export type SecretUnlock = Exclude<Unlock, { identity: string }>;

/** The secret an `unlock` holds, as the bytes its slots derive from. */
export function unlockSecret(unlock: SecretUnlock): Uint8Array {
  return "passphrase" in unlock
    ? passphraseSecret(unlock.passphrase)
    : parseRecoveryKey(unlock.key);
}

/** The kind of slot an `unlock` opens. */
export function unlockKind(unlock: SecretUnlock): "passphrase" | "key" {
  return "passphrase" in unlock ? "passphrase" : "key";
}
