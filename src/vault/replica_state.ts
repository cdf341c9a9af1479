/**
 * A replica's side of sync: what this copy holds of each name (its value,
 * annotation and the values a conflict kept), the merge bases and remote
 * head it last saw, and the one transaction that applies a merge: entries
 * written or deleted, bases and head replaced together, so a crash leaves
 * either the replica before the pull or the replica after it.
 *
 * @module
 */

import { decodeBase64, encodeBase64, encodeHex } from "../base64.ts";
import { hmac } from "../crypto.ts";
import {
  type CarriedValue,
  HEAD_KEY,
  type NameBase,
  type NameState,
  type SeenHead,
} from "../rules/replica.ts";
import { readCopyRecord } from "../storage/meta_table.ts";
import { type Entry, putEntries } from "../storage/put_entries.ts";
import { openAnnotation, openVersion } from "../storage/rows.ts";
import { openBase, openSeenHead } from "../storage/replica_rows.ts";
import type { EntryRow } from "../storage/columns.ts";
import type { OpenedVault } from "./opened.ts";
import type { ProgressListener } from "../types.ts";

/** One name as this copy holds it, with its merge base. */
export interface LocalName {
  /** The keyed name hash. */
  hash: string;
  /** What this copy holds: a tombstone when it deleted the name. */
  state: NameState;
  /** What it last saw on the remote; none for a name never synced. */
  base: NameBase | undefined;
}

/** One name's outcome of a merge. */
export interface MergedName {
  /** The keyed name hash. */
  hash: string;
  /** What to write locally; `undefined` leaves the entry as it is. */
  write?: NameState;
  /** The merge base from now on; `null` forgets it (a repair). */
  base: NameBase | null;
}

const COPY_ID_LABEL = "@scope/secrets copy id";
const COPY_ID_BYTES = 6;
const decoder = new TextDecoder("utf-8", { fatal: true });

/** A short id of this copy, which a kept value records as its writer. */
export function copyId(vault: OpenedVault): string {
  const { recipient } = readCopyRecord(vault.store);
  const mac = hmac(recipient, new TextEncoder().encode(COPY_ID_LABEL));
  return encodeHex(mac.subarray(0, COPY_ID_BYTES));
}

/** Every merge base, by name hash. */
export function readBases(vault: OpenedVault): Map<string, NameBase> {
  const bases = new Map<string, NameBase>();
  for (const row of vault.table.replica.all()) {
    if (row.name_hash === HEAD_KEY) continue;
    bases.set(row.name_hash, openBase(vault.keys, row.name_hash, row.sealed));
  }
  return bases;
}

/** The remote head this copy last saw; `null` before its first sync. */
export function readSeenHead(vault: OpenedVault): SeenHead | null {
  const row = vault.table.replica.get(HEAD_KEY);
  return row === undefined ? null : openSeenHead(vault.keys, row.sealed);
}

function carried(vault: OpenedVault, row: EntryRow): CarriedValue {
  const plain = openVersion(vault.keys, row);
  try {
    return {
      value: encodeBase64(plain),
      kind: row.kind,
      expires: row.expires,
      updated: row.updated,
    };
  } finally {
    plain.fill(0);
  }
}

/** What this copy holds of the name `name`, with the kept values of `base`. */
export function localState(
  vault: OpenedVault,
  hash: string,
  name: string,
  base: NameBase | undefined,
): NameState {
  const conflicts = base?.conflicts ?? [];
  const row = vault.table.row(hash);
  if (row === undefined) {
    return { name, current: null, annotation: null, conflicts };
  }
  const sealed = vault.table.annotations.get(hash)?.sealed;
  return {
    name,
    current: carried(vault, row),
    annotation: sealed === undefined
      ? null
      : openAnnotation(vault.keys, hash, sealed),
    conflicts,
  };
}

/**
 * Every name this copy holds or has synced: the index first (it reloads
 * itself in a snapshot of its own), then the rows in one snapshot.
 */
export function localNames(vault: OpenedVault): LocalName[] {
  const indexed = vault.names.named();
  return vault.store.snapshot(() => {
    const bases = readBases(vault);
    const named = new Map(indexed.map(({ hash, name }) => [hash, name]));
    for (const [hash, base] of bases) {
      if (!named.has(hash)) named.set(hash, base.name);
    }
    return [...named].map(([hash, name]) => {
      const base = bases.get(hash);
      return { hash, state: localState(vault, hash, name, base), base };
    });
  });
}

function entryOf(hash: string, state: NameState): Entry | null {
  const { current, annotation } = state;
  if (current === null) return null;
  const bytes = decodeBase64(current.value, "a pulled value");
  return {
    hash,
    name: state.name,
    value: current.kind === "text" ? decoder.decode(bytes) : bytes,
    expires: current.expires,
    // The remote's annotation replaces this copy's whole.
    annotation: {
      note: annotation?.note ?? null,
      tags: annotation?.tags ?? null,
      rotateEvery: annotation?.rotateEvery ?? null,
    },
  };
}

/**
 * Applies a merge in one transaction: each name's write (a value, or a
 * deletion), every base given, and `head` as the head last seen.
 */
export function applyMerge(
  vault: OpenedVault,
  merged: readonly MergedName[],
  head: SeenHead,
  onProgress?: ProgressListener,
): void {
  const entries: Entry[] = [];
  const deleted: string[] = [];
  for (const { hash, write } of merged) {
    if (write === undefined) continue;
    const entry = entryOf(hash, write);
    if (entry === null) deleted.push(hash);
    else entries.push(entry);
  }
  putEntries(vault, entries, {
    onProgress,
    then: (session) => {
      for (const hash of deleted) session.remove(hash);
      for (const { hash, base } of merged) session.replicate(hash, base);
      session.replicate(HEAD_KEY, head);
    },
  });
  for (const { hash, name, expires } of entries) {
    vault.names.add(hash, name, expires);
  }
  for (const hash of deleted) vault.names.remove(hash);
}
