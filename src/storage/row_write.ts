/**
 * The row a write makes: a value, in clear, sealed as the next version of
 * its entry (`rows.ts` seals each cell), keeping the current row's name
 * cell and creation time unless a restore gives its own times.
 *
 * @module
 */

import type { SubKeys } from "../crypto.ts";
import type { ValueKind } from "../types.ts";
import type { EntryRow } from "./columns.ts";
import { NAME_CELL, sealCell } from "./rows.ts";

/** When a row was created and last written, in milliseconds since the epoch. */
export interface RowTimes {
  /** Creation time. */
  created: number;
  /** Last write time. */
  updated: number;
}

/** A value to store, in clear, with what the row records of it. */
export interface ClearValue {
  /** The value's bytes (text as UTF-8). */
  bytes: Uint8Array;
  /** Whether the value is text or bytes. */
  kind: ValueKind;
  /** When it stops being valid, in milliseconds since the epoch. */
  expires: number | null;
  /**
   * The version number to write it as (a restore keeping the numbers it
   * had); never at or below the entry's current version. Default: the next.
   */
  version?: number;
}

/** What {@linkcode sealRow} seals: a value written over an entry. */
export interface RowWrite {
  /** The entry's name hash. */
  hash: string;
  /** The clear name, sealed only when there is no `current` row. */
  name: Uint8Array;
  /** The value and what it carries. */
  value: ClearValue;
  /** The entry's row before this write, if it has one. */
  current?: EntryRow;
  /** The time of the write, in milliseconds since the epoch. */
  now: number;
  /** The times a restore gives, instead of `now`. */
  times?: RowTimes;
}

/**
 * The row that makes `value` the next version of the entry `hash`: the
 * encrypted name and creation time of the `current` row are kept when
 * there is one, unless `times` (a restore) says otherwise.
 */
export function sealRow(keys: SubKeys, write: RowWrite): EntryRow {
  const { hash, name, value, current, now, times } = write;
  const version = Math.max(value.version ?? 0, (current?.version ?? 0) + 1);
  const { kind, expires } = value;
  return {
    name_hash: hash,
    name: current?.name ?? sealCell(keys, NAME_CELL, hash, name),
    value: sealCell(keys, { field: "value", version, kind }, hash, value.bytes),
    kind,
    expires,
    version,
    created: times?.created ?? current?.created ?? now,
    updated: times?.updated ?? now,
  };
}
