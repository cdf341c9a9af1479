/**
 * Which secrets need attention: expired, expiring within a window, due
 * for rotation (their current value older than their `rotateEvery`), or
 * exposed (their current value is one a removed member could read), each
 * with its date, soonest first. Names only, unless notes are asked for.
 *
 * @module
 */

import { ValidationError } from "../errors.ts";
import { MAX_PERIOD_MS } from "../limits.ts";
import { allAnnotations } from "./annotations.ts";
import { stillExposed } from "./exposures.ts";
import type { OpenedVault } from "./opened.ts";
import { readBases } from "./replica_state.ts";
import type { Annotation } from "../types.ts";

/** Why a secret is listed by {@linkcode SecretsEngine.status}. */
export type StatusState =
  | "expired"
  | "expiring"
  | "overdue"
  | "due"
  | "exposed"
  | "conflict";

/** One secret that needs attention, and why. */
export interface SecretStatus {
  /** The secret's name. */
  name: string;
  /**
   * `expired` (its expiry has passed), `expiring` (it passes within the
   * window), `overdue` (its rotation date has passed), `due` (it passes
   * within the window), `exposed` (its value is one a removed member
   * could read: change it) or `conflict` (a sync kept another copy's value
   * beside it: `resolve` picks one).
   */
  state: StatusState;
  /**
   * When it expires or expired, when it is or was due for rotation, or
   * when the member that exposes it was removed, or when the last value
   * a conflict kept was written.
   */
  date: Date;
  /** For `exposed`, the removed member's label. */
  member?: string;
  /** When its current value was set. */
  rotatedAt: Date;
  /** Its note, when `notes` was asked for (`null` when it has none). */
  note?: string | null;
}

/** What {@linkcode SecretsEngine.status} looks at. */
export interface StatusOptions {
  /**
   * How far ahead to look, in milliseconds: a secret expiring or due
   * within it is listed. Default 14 days; at most 100 years.
   */
  within?: number;
  /** Whether each listed secret carries its note. */
  notes?: boolean;
}

/** The window {@linkcode StatusOptions.within} defaults to: 14 days. */
export const DEFAULT_STATUS_WINDOW_MS = 14 * 86_400_000;

function checkOptions(options: unknown): Required<StatusOptions> {
  if (typeof options !== "object" || options === null) {
    throw new ValidationError("options must be an object");
  }
  const { within = DEFAULT_STATUS_WINDOW_MS, notes = false } =
    options as Record<string, unknown>;
  if (
    typeof within !== "number" || !Number.isSafeInteger(within) ||
    within < 0 || within > MAX_PERIOD_MS
  ) {
    throw new ValidationError(
      "within must be a whole number of milliseconds from 0 to 100 years",
    );
  }
  if (typeof notes !== "boolean") {
    throw new ValidationError("notes must be true or false");
  }
  return { within, notes };
}

/**
 * The secrets of `vault` that are expired, expiring within the window, or
 * due for rotation, soonest first; a secret both expiring and due is
 * listed for each.
 */
/** A `conflict` line for each secret a sync left with kept values. */
function conflicts(
  vault: OpenedVault,
  annotations: Map<string, Annotation> | null,
): SecretStatus[] {
  return [...readBases(vault)].flatMap(([hash, base]) => {
    if (base.conflicts.length === 0) return [];
    const latest = base.conflicts.reduce(
      (at, kept) => Math.max(at, kept.updated),
      0,
    );
    const updated = vault.table.current(hash)?.updated ?? latest;
    return [{
      name: base.name,
      state: "conflict" as const,
      date: new Date(latest),
      rotatedAt: new Date(updated),
      ...(annotations === null
        ? {}
        : { note: annotations.get(hash)?.note ?? null }),
    }];
  });
}

export function secretStatus(
  vault: OpenedVault,
  options: StatusOptions = {},
): SecretStatus[] {
  const { within, notes } = checkOptions(options);
  const now = Date.now();
  const horizon = now + within;
  const annotations = allAnnotations(vault);
  const exposed = stillExposed(vault);
  const listed: SecretStatus[] = [];
  for (const { hash, name, expires } of vault.names.named()) {
    const annotation = annotations.get(hash);
    const due = annotation?.rotateEvery ?? null;
    const marks = exposed.get(hash) ?? [];
    if (
      (expires === null || expires > horizon) && due === null &&
      marks.length === 0
    ) continue;
    const row = vault.table.current(hash);
    if (row === undefined) continue;
    const list = (state: StatusState, date: number, member?: string) =>
      listed.push({
        name,
        state,
        date: new Date(date),
        rotatedAt: new Date(row.updated),
        ...(member === undefined ? {} : { member }),
        ...(notes ? { note: annotation?.note ?? null } : {}),
      });
    for (const mark of marks) list("exposed", mark.removed, mark.member);
    if (expires !== null && expires <= horizon) {
      list(expires <= now ? "expired" : "expiring", expires);
    }
    if (due !== null && row.updated + due <= horizon) {
      const date = row.updated + due;
      list(date <= now ? "overdue" : "due", date);
    }
  }
  for (const conflict of conflicts(vault, notes ? annotations : null)) {
    listed.push(conflict);
  }
  return listed.sort((a, b) =>
    a.date.getTime() - b.date.getTime() || (a.name < b.name ? -1 : 1)
  );
}
