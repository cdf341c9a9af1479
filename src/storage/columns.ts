/**
 * The columns of entries and of their earlier versions, as the engine
 * reads and writes them and as their MACs cover them, and the shape of an
 * entry of formats 1 to 3.
 *
 * @module
 */

import type { SqlValue } from "./store.ts";
import type { ValueKind } from "../types.ts";

/** The columns an entry and each of its earlier versions have. */
export interface VersionColumns {
  /** HMAC of the name. */
  name_hash: string;
  /** The version number, from 1. */
  version: number;
  /** The encrypted value. */
  value: Uint8Array;
  /** Whether the value is text or bytes. */
  kind: ValueKind;
  /** When the value stops being valid, in milliseconds since the epoch. */
  expires: number | null;
  /** When this version was written, in milliseconds since the epoch. */
  updated: number;
}

/**
 * The columns of {@linkcode VersionColumns}, in the order
 * {@linkcode versionParams} binds them.
 */
export const VERSION_COLUMNS =
  "name_hash, version, value, kind, expires, updated";

/**
 * A version's columns as statement parameters, in the order of
 * {@linkcode VERSION_COLUMNS}.
 */
export function versionParams(row: VersionColumns): SqlValue[] {
  return [
    row.name_hash,
    row.version,
    row.value,
    row.kind,
    row.expires,
    row.updated,
  ];
}

/** One stored entry (its current version), as the row MAC covers it. */
export interface EntryRow extends VersionColumns {
  /** The encrypted name. */
  name: Uint8Array;
  /** Creation time, milliseconds since the epoch. */
  created: number;
}

/** One earlier version of an entry, as the history MAC covers it. */
export type HistoryRow = VersionColumns;

/** One entry of formats 1 to 3, as their row MAC covered it. */
export interface UnversionedRow {
  /** HMAC of the name: the primary key. */
  name_hash: string;
  /** The encrypted name. */
  name: Uint8Array;
  /** The encrypted value. */
  value: Uint8Array;
  /** Creation time, milliseconds since the epoch. */
  created: number;
  /** Last write time, milliseconds since the epoch. */
  updated: number;
}
