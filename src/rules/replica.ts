/**
 * What a replica remembers of its remote (format 7), and what a remote
 * row holds once opened. Per name, the replica keeps the merge base: the
 * remote version it last saw, that row's tag, a keyed digest of what the
 * name held then, and the values a conflict kept. Under the empty name it
 * keeps the head it last saw. Both are sealed in the `replica` table like
 * annotations; this module only says their shapes and the digest rule.
 *
 * @module
 */

import { encodeBase64 } from "../base64.ts";
import { hkdf, hmac } from "../crypto.ts";
import type { Annotation, ValueKind } from "../types.ts";
import { parseAnnotation } from "./annotation.ts";

/** A value as a remote row carries it: bytes as base64, and its kind. */
export interface CarriedValue {
  /** The value's bytes, standard base64. */
  value: string;
  /** Text or bytes. */
  kind: ValueKind;
  /** When it stops being valid, milliseconds since the epoch. */
  expires: number | null;
  /** When it was written, for display only. */
  updated: number;
  /** For a value a conflict kept: a short id of the copy that wrote it. */
  from?: string;
}

/**
 * What one name holds, as a remote row carries it: a value with its
 * annotation, or a tombstone; and the values a conflict kept beside it.
 */
export interface NameState {
  /** The secret's name, in clear (sealed on the remote). */
  name: string;
  /** The current value, or `null` for a deleted name (a tombstone). */
  current: CarriedValue | null;
  /** Its note, tags and rotation policy. */
  annotation: Annotation | null;
  /** The values a conflict kept, until `resolve` picks one. */
  conflicts: CarriedValue[];
}

/** The merge base of one name: what this replica last saw of it. */
export interface NameBase {
  /** The secret's name, so a deleted one can still be pushed as such. */
  name: string;
  /** The remote version it saw. */
  version: number;
  /** That row's tag, standard base64: it leaves the head's set MAC. */
  tag: string;
  /** The keyed digest of the state it saw: equal means unchanged. */
  digest: string;
  /** The values a conflict kept, until `resolve` picks one. */
  conflicts: CarriedValue[];
  /**
   * When this copy's own push wrote the base: the digest of the state it
   * replaced. A git folder that later holds that state again at the same
   * version dropped the write (another line of history), which is kept.
   */
  parent?: string;
}

/** The head this replica last saw, kept under the empty name. */
export interface SeenHead {
  /** The remote's revision. */
  revision: number;
  /** Its key epoch. */
  epoch: number;
  /**
   * While this copy's own rotation is not pushed: the data key of the
   * epoch it last synced (standard base64), which the new epoch's header
   * is MACed under, and which opens what others pushed meanwhile.
   */
  previous?: string;
}

/** The name under which the `replica` table keeps the {@linkcode SeenHead}. */
export const HEAD_KEY = "";

/**
 * What a new key epoch does to the remote head a copy that syncs saw: it
 * takes the head of an epoch it adopts from another copy, or, for its own
 * rotation, keeps the data key it last synced under (`previousDek`) until
 * the new epoch is pushed.
 */
export type HeadThrough = { adopt: SeenHead } | { previousDek: Uint8Array };

/**
 * The head `seen` becomes through a new epoch: an own rotation records the
 * previous data key only once, so a second rotation before a push still
 * MACs its header under the key the remote knows.
 */
export function headThroughEpoch(
  seen: SeenHead,
  through: HeadThrough,
): SeenHead {
  if ("adopt" in through) return through.adopt;
  if (seen.previous !== undefined) return seen;
  return { ...seen, previous: encodeBase64(through.previousDek) };
}

const DIGEST_KEY_LABEL = "@scope/secrets replica digest";

function isCarried(value: unknown): value is CarriedValue {
  if (typeof value !== "object" || value === null) return false;
  const { value: bytes, kind, expires, updated, from } = value as Record<
    string,
    unknown
  >;
  return typeof bytes === "string" && (kind === "text" || kind === "bytes") &&
    (expires === null || Number.isSafeInteger(expires)) &&
    Number.isSafeInteger(updated) &&
    (from === undefined || typeof from === "string");
}

function isCarriedList(value: unknown): value is CarriedValue[] {
  return Array.isArray(value) && value.every(isCarried);
}

/** The base a parsed JSON value holds, or `null` when it is not one. */
export function parseBase(value: unknown): NameBase | null {
  if (typeof value !== "object" || value === null) return null;
  const { name, version, tag, digest, conflicts, parent } = value as Record<
    string,
    unknown
  >;
  if (
    typeof name !== "string" || !Number.isSafeInteger(version) ||
    typeof tag !== "string" || typeof digest !== "string" ||
    !isCarriedList(conflicts)
  ) {
    return null;
  }
  const base = { name, version: version as number, tag, digest, conflicts };
  if (parent === undefined) return base;
  return typeof parent === "string" ? { ...base, parent } : null;
}

/** The head a parsed JSON value holds, or `null` when it is not one. */
export function parseSeenHead(value: unknown): SeenHead | null {
  if (typeof value !== "object" || value === null) return null;
  const { revision, epoch, previous } = value as Record<string, unknown>;
  if (!Number.isSafeInteger(revision) || !Number.isSafeInteger(epoch)) {
    return null;
  }
  const head = { revision: revision as number, epoch: epoch as number };
  if (previous === undefined) return head;
  return typeof previous === "string" ? { ...head, previous } : null;
}

/** The state a parsed JSON value holds, or `null` when it is not one. */
export function parseNameState(value: unknown): NameState | null {
  if (typeof value !== "object" || value === null) return null;
  const { name, current, annotation, conflicts } = value as Record<
    string,
    unknown
  >;
  const parsed = annotation === null ? null : parseAnnotation(annotation);
  return typeof name === "string" &&
      (current === null || isCarried(current)) &&
      (annotation === null || parsed !== null) && isCarriedList(conflicts)
    ? { name, current, annotation: parsed, conflicts }
    : null;
}

/** The key of the state digests, from the vault's name key. */
export function digestKey(nameKey: Uint8Array): Uint8Array {
  return hkdf(nameKey, new Uint8Array(), DIGEST_KEY_LABEL);
}

function sameBytes(value: CarriedValue): unknown[] {
  return [value.value, value.kind, value.expires];
}

/**
 * The keyed digest of what a name holds: its value, kind, expiry,
 * annotation and kept values, and not its times, so two replicas that
 * wrote equal values at different moments agree.
 */
export function stateDigest(key: Uint8Array, state: NameState): string {
  const canonical = JSON.stringify([
    state.name,
    state.current === null ? null : sameBytes(state.current),
    state.annotation === null ? null : [
      state.annotation.note,
      state.annotation.tags,
      state.annotation.rotateEvery,
    ],
    state.conflicts.map(sameBytes).sort(),
  ]);
  return encodeBase64(hmac(key, new TextEncoder().encode(canonical)));
}

/** Whether two carried values hold the same value, kind and expiry. */
export function sameValue(a: CarriedValue, b: CarriedValue): boolean {
  return a.value === b.value && a.kind === b.kind && a.expires === b.expires;
}
