/**
 * Merging what a pull brought, by name, against each name's merge base:
 * one side changed, take it; both changed to equal states, nothing to do;
 * both changed differently, the remote's value (the one it accepted first)
 * is what every replica reads and this copy's is kept beside it until
 * `resolve`. Before anything merges, every pulled row is checked: it opens
 * where it sits, is not older than what this copy saw, and the rows add
 * up to the head's MAC, so a server that forges, moves, drops or rolls
 * back a row is refused and nothing is applied.
 *
 * @module
 */

import { decodeBase64, encodeBase64 } from "../base64.ts";
import { equalBytes } from "../crypto.ts";
import { RemoteError } from "../errors.ts";
import {
  type CarriedValue,
  digestKey,
  type NameBase,
  type NameState,
  sameValue,
  stateDigest,
} from "../rules/replica.ts";
import {
  decodeHead,
  emptySet,
  openState,
  type RemoteKeys,
  rowTag,
  toggleTag,
} from "../remote/records.ts";
import type { RemoteHead, RemoteRow } from "../remote/remote.ts";
import type { OpenedVault } from "./opened.ts";
import type { LocalName, MergedName } from "./replica_state.ts";

/** What a pull merged. */
export interface Merge {
  /** Each pulled name's outcome. */
  merged: MergedName[];
  /** How many names took the remote's state. */
  pulled: number;
  /** The names a real conflict was found on in this pull. */
  conflicts: string[];
}

/** How the rows are checked against what this copy saw. */
export interface MergeInput {
  /** The remote keys. */
  keys: RemoteKeys;
  /** The head the rows were read under. */
  head: RemoteHead;
  /** The rows written after the head this copy last saw (all: repair). */
  rows: readonly RemoteRow[];
  /** Every name this copy holds or synced, by hash. */
  locals: ReadonlyMap<string, LocalName>;
  /** Accept an older remote (after a failover or restore). */
  repair: boolean;
  /** This copy's short id, recorded on a value a conflict keeps. */
  copy: string;
  /**
   * Whether the remote keeps a head revision and a MAC over its set; a
   * git folder does not, and hands every row at each pull.
   */
  ordered: boolean;
}

/** The XOR of the tags of every base: the head's X this copy last saw. */
export function baseSet(locals: Iterable<LocalName>): Uint8Array {
  const x = emptySet();
  for (const { base } of locals) {
    if (base !== undefined) toggleTag(x, decodeBase64(base.tag, "a tag"));
  }
  return x;
}

/** Whether this copy changed the name since its base. */
export function changedHere(key: Uint8Array, local: LocalName): boolean {
  return local.base === undefined
    ? local.state.current !== null
    : stateDigest(key, local.state) !== local.base.digest;
}

function refuse(why: string): RemoteError {
  return new RemoteError(`the remote ${why}; nothing was applied`);
}

/** Checks a pulled row against its base; returns its tag. */
function checkRow(
  vault: OpenedVault,
  input: MergeInput,
  row: RemoteRow,
  state: NameState,
): Uint8Array {
  const base = input.locals.get(row.hash)?.base;
  if (vault.names.hash(state.name) !== row.hash) {
    throw refuse("holds a row moved to another name");
  }
  const tag = rowTag(input.keys, row, row.sealed);
  if (!input.repair && base !== undefined) {
    const sameVersion = row.version === base.version;
    if (row.version < base.version && !input.ordered) {
      throw behind(
        `holds ${JSON.stringify(state.name)} at version ${row.version}`,
        base.version,
      );
    }
    const otherTag = sameVersion &&
      !equalBytes(tag, decodeBase64(base.tag, "a tag"));
    // In a git folder, another branch's row at the same version is history,
    // not a forgery: every row opens only at its place, under the key.
    if (row.version < base.version || (otherTag && input.ordered)) {
      throw refuse(
        `rolled the name ${
          JSON.stringify(state.name)
        } back to version ${row.version} (this copy saw ${base.version})`,
      );
    }
  }
  return tag;
}

/**
 * A git folder behind what this copy saw: an older commit checked out, or
 * a revert. Reported, not taken for an attack; `repair` takes it.
 */
function behind(what: string, saw: number | null): RemoteError {
  return new RemoteError(
    `the git folder ${what}${
      saw === null ? "" : `, behind the version ${saw} this copy saw`
    }: an older commit is checked out, or one was reverted; nothing was applied`,
    { remedy: { kind: "remote-behind" } },
  );
}

/** Refuses a git folder that lacks a name this copy synced. */
function checkNoneMissing(input: MergeInput): void {
  const present = new Set(input.rows.map((row) => row.hash));
  for (const [hash, local] of input.locals) {
    if (local.base !== undefined && !present.has(hash)) {
      throw behind(`lacks ${JSON.stringify(local.state.name)}`, null);
    }
  }
}

/** Whether `row` is the one this copy's base already holds. */
function unchanged(input: MergeInput, row: RemoteRow): boolean {
  const base = input.locals.get(row.hash)?.base;
  return base !== undefined && base.version === row.version &&
    equalBytes(
      rowTag(input.keys, row, row.sealed),
      decodeBase64(base.tag, "a tag"),
    );
}

function keptValues(
  remote: NameState,
  local: NameState,
  copy: string,
): CarriedValue[] {
  const kept = [...remote.conflicts];
  const keep = (value: CarriedValue | null): void => {
    if (value === null) return;
    if (remote.current !== null && sameValue(value, remote.current)) return;
    if (kept.some((other) => sameValue(other, value))) return;
    kept.push(value);
  };
  local.conflicts.forEach(keep);
  keep(local.current === null ? null : { ...local.current, from: copy });
  return kept;
}

function mergeName(
  key: Uint8Array,
  input: MergeInput,
  row: RemoteRow,
  remote: NameState,
  tag: Uint8Array,
): { merged: MergedName; pulled: boolean; conflict: boolean } {
  const base: NameBase = {
    name: remote.name,
    version: row.version,
    tag: encodeBase64(tag),
    digest: stateDigest(key, remote),
    conflicts: remote.conflicts,
  };
  const local = input.locals.get(row.hash);
  const take = { hash: row.hash, write: remote, base };
  if (local !== undefined && diverged(input, row, local)) {
    // A git folder on another line of history, at this copy's version: if
    // it holds what this copy's write replaced, the write was dropped
    // (a reset to a branch that never had it): keep it, to push again.
    if (base.digest === local.base?.parent) {
      const kept = { ...base, conflicts: local.state.conflicts };
      return {
        merged: { hash: row.hash, base: kept },
        pulled: false,
        conflict: false,
      };
    }
  } else if (local === undefined || !changedHere(key, local)) {
    return { merged: take, pulled: true, conflict: false };
  }
  if (stateDigest(key, local.state) === base.digest) {
    return { merged: { hash: row.hash, base }, pulled: false, conflict: false };
  }
  const kept = keptValues(remote, local.state, input.copy);
  // A deletion here lost to a change there: the change stands, and no
  // value was lost.
  if (kept.length === remote.conflicts.length) {
    return { merged: take, pulled: true, conflict: false };
  }
  return {
    merged: {
      hash: row.hash,
      write: remote,
      base: { ...base, conflicts: kept },
    },
    pulled: true,
    conflict: true,
  };
}

/**
 * Whether a git folder's row sits at this copy's base version with other
 * content: the folder is on another line of history than the copy's push.
 */
function diverged(
  input: MergeInput,
  row: RemoteRow,
  local: LocalName,
): boolean {
  return !input.ordered && local.base !== undefined &&
    row.version === local.base.version;
}

/**
 * Checks and merges the rows of a pull. Every row is checked, and the set
 * against the head's MAC, before any merges: a failure is
 * {@linkcode RemoteError} and nothing is returned to apply.
 */
export function mergePull(vault: OpenedVault, input: MergeInput): Merge {
  const { keys, head, locals, repair, ordered } = input;
  const expected = !ordered
    ? null
    : head.record === null
    ? (head.revision === 0 ? emptySet() : undefined)
    : decodeHead(keys, head.revision, head.epoch, head.record);
  if (expected === undefined) throw refuse("has a revision but no head record");
  if (!ordered && !repair) checkNoneMissing(input);
  const x = repair ? emptySet() : baseSet(locals.values());
  // A git folder hands every row; the unchanged ones add nothing.
  const rows = repair
    ? input.rows
    : input.rows.filter((row) => !unchanged(input, row));
  const opened = rows.map((row) => {
    if (row.epoch !== head.epoch) {
      throw refuse(`holds a row under key epoch ${row.epoch}, retired`);
    }
    const state = openState(keys, row, row.sealed);
    const tag = checkRow(vault, input, row, state);
    const base = locals.get(row.hash)?.base;
    if (!repair && base !== undefined) {
      toggleTag(x, decodeBase64(base.tag, "a tag"));
    }
    toggleTag(x, tag);
    return { row, state, tag };
  });
  if (expected !== null && !equalBytes(x, expected)) {
    throw refuse(
      "rows do not add up to its head: a row was dropped, replayed or withheld",
    );
  }
  const key = digestKey(vault.keys.index);
  const result: Merge = { merged: [], pulled: 0, conflicts: [] };
  for (const { row, state, tag } of opened) {
    const { merged, pulled, conflict } = mergeName(key, input, row, state, tag);
    result.merged.push(merged);
    if (pulled) result.pulled++;
    if (conflict) result.conflicts.push(state.name);
  }
  key.fill(0);
  return result;
}
