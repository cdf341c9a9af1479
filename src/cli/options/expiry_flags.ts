/**
 * `--ttl` and `--expires`: when a secret set from the command line stops
 * being valid, and how that time is shown again.
 *
 * @module
 */

import type { Parsed } from "../command.ts";
import { UsageError } from "../failures.ts";
import type { SetOptions } from "../../types.ts";

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const TTL = /^([1-9][0-9]{0,9})([smhdw])$/;
// A date, or a date and time with seconds optional and a zone required, so
// that no time is read in a zone the user did not name.
const EXPIRES =
  /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/**
 * A duration such as `90s`, `15m`, `12h`, `30d` or `2w`, in milliseconds;
 * `flag` names the option in the error.
 *
 * @example Read a duration flag
 * ```ts
 * import { parseTtl } from "./expiry_flags.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseTtl("30d"), 30 * 86_400_000);
 * ```
 */
export function parseTtl(text: string, flag = "--ttl"): number {
  const match = TTL.exec(text);
  if (match === null) {
    throw new UsageError(
      `${flag} ${text}: give a number from 1 and a unit (s, m, h, d or w), like 30d`,
    );
  }
  return Number(match[1]) * UNIT_MS[match[2]];
}

/**
 * An ISO 8601 date (`2027-01-31`, midnight UTC at its start) or date and
 * time with a zone (`2027-01-31T18:00:00+01:00`), in milliseconds since
 * the epoch; it must be in the future.
 *
 * @example Read a date flag as midnight UTC
 * ```ts
 * import { parseExpires } from "./expiry_flags.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseExpires("2999-01-31", 0), Date.UTC(2999, 0, 31));
 * ```
 */
export function parseExpires(text: string, now: number): number {
  const ms = EXPIRES.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms) || !isCalendarDate(text.slice(0, 10))) {
    throw new UsageError(
      `--expires ${text}: give a date like 2027-01-31 (UTC) or a time with its zone, like 2027-01-31T18:00:00Z`,
    );
  }
  if (ms <= now) {
    throw new UsageError(`--expires ${text}: that time has passed`);
  }
  return ms;
}

// `Date.parse` rolls 2027-02-30 over to March: a day the month lacks is a
// typo to report, not a date to guess.
function isCalendarDate(date: string): boolean {
  return new Date(`${date}T00:00:00Z`).toISOString().startsWith(date);
}

/** The expiry `--ttl` or `--expires` asks for, if either is given. */
export function expiryOptions(args: Parsed): SetOptions | undefined {
  const { ttl, expires } = args.values;
  if (ttl !== undefined && expires !== undefined) {
    throw new UsageError("give --ttl or --expires, not both");
  }
  if (ttl !== undefined) return { ttlMs: parseTtl(ttl) };
  if (expires !== undefined) {
    return { expiresAt: parseExpires(expires, Date.now()) };
  }
  return undefined;
}

/**
 * A time as the CLI prints it: ISO 8601 in UTC to the second, or `-` for
 * none.
 *
 * @example Print a time as the CLI does
 * ```ts
 * import { formatTime } from "./expiry_flags.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatTime(new Date(0)), "1970-01-01T00:00:00Z");
 * assert.equal(formatTime(null), "-");
 * ```
 */
export function formatTime(time: Date | null): string {
  return time === null ? "-" : `${time.toISOString().slice(0, 19)}Z`;
}
