/**
 * When a secret stops being valid. Expiry is a time stored with the entry
 * and compared with the clock whenever the entry is read: no timer runs,
 * and an expired entry stays on disk, absent to reads, until
 * {@linkcode SecretsEngine.purgeExpired} or a `delete` removes it.
 *
 * @module
 */

import { ValidationError } from "../errors.ts";
import type { ExpiryOptions } from "../types.ts";

/**
 * Whether an entry expiring at `expires` is still valid at `now`: an
 * expired entry reads as absent.
 *
 * @example An entry with no expiry is live; one that expired is not
 * ```ts
 * import { isLive } from "./expiry.ts";
 * import assert from "node:assert/strict";
 * assert.ok(isLive(null, Date.now()) && !isLive(1, Date.now()));
 * ```
 */
export function isLive(expires: number | null, now: number): boolean {
  return expires === null || expires > now;
}

// The last instant a JavaScript Date can hold.
const MAX_TIME_MS = 8.64e15;

function checkTime(what: string, ms: number): number {
  if (!Number.isSafeInteger(ms) || Math.abs(ms) > MAX_TIME_MS) {
    throw new ValidationError(`${what} is not a valid time`);
  }
  return ms;
}

function expiresAt(input: unknown, now: number): number {
  if (!(input instanceof Date) && typeof input !== "number") {
    throw new ValidationError(
      `expiresAt must be a Date or milliseconds since the epoch, not ${typeof input}`,
    );
  }
  const ms = checkTime(
    "expiresAt",
    input instanceof Date ? input.getTime() : input,
  );
  if (ms <= now) {
    throw new ValidationError(
      `expiresAt must be in the future; ${
        new Date(ms).toISOString()
      } has passed`,
    );
  }
  return ms;
}

function ttl(input: unknown, now: number): number {
  if (typeof input !== "number" || !Number.isSafeInteger(input) || input <= 0) {
    throw new ValidationError(
      "ttlMs must be a whole number of milliseconds greater than 0",
    );
  }
  return checkTime("now + ttlMs", now + input);
}

/**
 * The expiry `options` asks for, in milliseconds since the epoch, or `null`
 * for none; bad options are a {@linkcode ValidationError}.
 *
 * @example Turn a TTL into an expiry time
 * ```ts
 * import { resolveExpiry } from "./expiry.ts";
 * import assert from "node:assert/strict";
 * assert.equal(resolveExpiry({ ttlMs: 1000 }, 5), 1005);
 * assert.equal(resolveExpiry(undefined, 5), null);
 * ```
 */
export function resolveExpiry(options: unknown, now: number): number | null {
  if (options === undefined) return null;
  if (typeof options !== "object" || options === null) {
    throw new ValidationError("options must be an object");
  }
  const given = options as ExpiryOptions;
  if (given.expiresAt !== undefined && given.ttlMs !== undefined) {
    throw new ValidationError("give expiresAt or ttlMs, not both");
  }
  if (given.expiresAt !== undefined) return expiresAt(given.expiresAt, now);
  if (given.ttlMs !== undefined) return ttl(given.ttlMs, now);
  return null;
}

/**
 * Whether `options` names an expiry at all, so that a revert keeps the
 * version's own when it does not.
 *
 * @example Tell whether options name an expiry
 * ```ts
 * import { hasExpiry } from "./expiry.ts";
 * import assert from "node:assert/strict";
 * assert.ok(!hasExpiry({}) && hasExpiry({ ttlMs: 1 }));
 * ```
 */
export function hasExpiry(options: ExpiryOptions | undefined): boolean {
  return options?.expiresAt !== undefined || options?.ttlMs !== undefined;
}
