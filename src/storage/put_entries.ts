/**
 * Storing secrets: values (with any earlier versions a restore brings)
 * turned into clear bytes and written in one transaction through
 * `writes.ts`, the clear bytes zeroed however it ends.
 *
 * @module
 */

import { equalBytes, SEAL_OVERHEAD } from "../crypto.ts";
import type { AnnotationChange, ProgressListener } from "../types.ts";
import { openVersion } from "./rows.ts";
import type { ClearValue, RowTimes } from "./row_write.ts";
import { type VaultStore, writeEntries, type WriteSession } from "./writes.ts";

/** What {@linkcode putEntries} does besides storing the entries. */
export interface PutOptions {
  /** Given the entries the vault already holds, throws. */
  refuseExisting?: (taken: Entry[]) => never;
  /** Told after each entry how many of them are written. */
  onProgress?: ProgressListener;
  /** More changes for the same transaction, made after the entries. */
  then?: (session: WriteSession) => void;
}

/** An earlier version to restore before an entry's current value. */
export interface EarlierVersion {
  /** The value: a string is text, a `Uint8Array` bytes. */
  value: string | Uint8Array;
  /** When it stops being valid, in milliseconds since the epoch. */
  expires: number | null;
  /** The version number it had. */
  version: number;
  /** When it was written. */
  updated: number;
}

/** A secret to store: its name hash, clear name and value, and any times. */
export interface Entry {
  /** The name hash, the row's key. */
  hash: string;
  /** The clear name. */
  name: string;
  /** The value: a string is text, a `Uint8Array` bytes. */
  value: string | Uint8Array;
  /** When it stops being valid, in milliseconds since the epoch. */
  expires: number | null;
  /** Creation and write times to keep (a restore); default: now. */
  times?: RowTimes;
  /** The version number to keep (a restore); default: the next. */
  version?: number;
  /** Earlier versions to restore first, oldest first. */
  earlier?: readonly EarlierVersion[];
  /** A change to its annotation, applied with the value. */
  annotation?: AnnotationChange;
}

/**
 * The clear bytes of `value` with its kind: a copy, which the caller zeroes.
 */
function clearValue(
  value: string | Uint8Array,
  expires: number | null,
): ClearValue {
  return typeof value === "string"
    ? { bytes: new TextEncoder().encode(value), kind: "text", expires }
    : { bytes: value.slice(), kind: "bytes", expires };
}

/** One version to put: its clear value and the times it keeps. */
interface Step {
  clear: ClearValue;
  times?: RowTimes;
}

function steps(entry: Entry): Step[] {
  const created = entry.times?.created;
  const earlier = (entry.earlier ?? []).map((version): Step => ({
    clear: {
      ...clearValue(version.value, version.expires),
      version: version.version,
    },
    times: { created: created ?? version.updated, updated: version.updated },
  }));
  const clear = {
    ...clearValue(entry.value, entry.expires),
    version: entry.version,
  };
  return [...earlier, { clear, times: entry.times }];
}

/**
 * Whether putting `step` alone as the entry `hash` would change nothing:
 * the current value has the same kind, bytes and expiry. Such a write is
 * skipped, so re-importing an unchanged `.env` adds no version and pushes
 * no real old value out of the history window. A restore (earlier versions,
 * a version number or times to keep) always writes.
 */
function unchanged(
  { keys }: VaultStore,
  session: WriteSession,
  hash: string,
  steps: readonly Step[],
): boolean {
  const [step] = steps;
  if (steps.length !== 1 || step.times || step.clear.version !== undefined) {
    return false;
  }
  const row = session.row(hash);
  // A different length, kind or expiry is a change without decrypting.
  if (
    row === undefined || row.kind !== step.clear.kind ||
    row.expires !== step.clear.expires ||
    row.value.length !== step.clear.bytes.length + SEAL_OVERHEAD
  ) {
    return false;
  }
  const stored = openVersion(keys, row);
  try {
    return equalBytes(stored, step.clear.bytes);
  } finally {
    stored.fill(0);
  }
}

/** The most earlier versions any of `entries` brings. */
function deepestHistory(entries: readonly Entry[]): number {
  let deepest = 0;
  for (const entry of entries) {
    deepest = Math.max(deepest, entry.earlier?.length ?? 0);
  }
  return deepest;
}

/**
 * Stores `entries` in one transaction: all or, on any error, none. An
 * entry whose value and expiry equal the current ones writes nothing. Each
 * entry's earlier versions, if it has any, are written first with the
 * numbers they had, and the vault's history limit is raised to keep them
 * all. With `options.refuseExisting`, entries whose hash the vault holds
 * are handed to it (inside the transaction) before anything is written, to
 * throw. An entry's annotation change, if it has one, is applied with it.
 * The clear bytes are zeroed however it ends.
 */
export function putEntries(
  vault: VaultStore,
  entries: readonly Entry[],
  options: PutOptions = {},
): void {
  const { refuseExisting, onProgress, then } = options;
  const encoder = new TextEncoder();
  const writes = entries.map((entry) => ({
    ...entry,
    clearName: encoder.encode(entry.name),
    steps: steps(entry),
  }));
  const deepest = deepestHistory(entries);
  try {
    writeEntries(vault, Date.now(), (session) => {
      const taken = refuseExisting
        ? writes.filter(({ hash }) => session.row(hash) !== undefined)
        : [];
      if (refuseExisting && taken.length > 0) refuseExisting(taken);
      writes.forEach(({ hash, clearName, steps, annotation }, at) => {
        if (!unchanged(vault, session, hash, steps)) {
          for (const { clear, times } of steps) {
            session.put(hash, clearName, clear, times);
          }
        }
        if (annotation !== undefined) session.annotate(hash, annotation);
        onProgress?.(at + 1, writes.length);
      });
      then?.(session);
    }, deepest);
  } finally {
    for (const { clearName, steps } of writes) {
      clearName.fill(0);
      for (const { clear } of steps) clear.bytes.fill(0);
    }
  }
}
