/**
 * The git merge driver of a git folder remote: git hands it three versions
 * of one file (the common ancestor, ours, theirs) when two branches changed
 * the same secret, and it applies sync's rules by name. Equal states
 * merge; a side that did not change yields to the one that did; two real
 * changes keep ours as current and theirs beside it, a conflict `sync` and
 * `status` then report on every copy until `resolve`. The result is sealed
 * at the next version, under this copy's keys. Two branches under
 * different key epochs are never merged by picking a side: refused, with
 * the way to take the newer epoch first.
 *
 * @module
 */

import { basename, dirname } from "node:path";
import { RemoteError, ValidationError } from "../errors.ts";
import {
  type CarriedValue,
  digestKey,
  type NameState,
  sameValue,
  stateDigest,
} from "../rules/replica.ts";
import { readRowFile, rowFile } from "../remote/git_folder.ts";
import { openState, type RemoteKeys, sealState } from "../remote/records.ts";
import type { RemoteRow } from "../remote/remote.ts";
import { keysFor } from "./epochs.ts";
import type { OpenedVault } from "./opened.ts";
import { readSeenHead } from "./replica_state.ts";

/** The files git hands a merge driver (`%O %A %B %P`). */
export interface MergeFiles {
  /** The common ancestor's version (empty when there is none). */
  base: string;
  /** Ours: the merge's result is written here. */
  ours: string;
  /** Theirs. */
  theirs: string;
  /** The file's path in the repository, which names the secret. */
  path: string;
}

/** What the driver did. */
export interface MergedFile {
  /** The secret whose two values were both kept, if that happened. */
  conflict: string | null;
}

const ROW_FILE = /^[A-Za-z0-9_-]{43}\.json$/;

const NEWER_EPOCH =
  "the two branches are at different key epochs (a rotation or member removal on one): merge nothing by picking a side; take the newer epoch's folder first (git checkout THEIRS -- DIR, or rebase onto it), then secrets sync seals this copy's changes under it";

function refuse(why: string): RemoteError {
  return new RemoteError(`${why}; the merge was left to git`);
}

/** A file git handed over; one that is not there is the caller's mistake. */
function read(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    throw new ValidationError(
      `${path} does not exist: git runs the driver as secrets merge-driver %O %A %B %P`,
    );
  }
}

function row(hash: string, text: string): RemoteRow {
  try {
    return readRowFile(hash, text);
  } catch {
    throw refuse("a side of the merge is not one of the vault's files");
  }
}

function keptBeside(ours: NameState, theirs: NameState): CarriedValue[] {
  const kept = [...ours.conflicts];
  const keep = (value: CarriedValue | null) => {
    if (value === null) return;
    if (ours.current !== null && sameValue(value, ours.current)) return;
    if (!kept.some((other) => sameValue(other, value))) kept.push(value);
  };
  theirs.conflicts.forEach(keep);
  keep(theirs.current);
  return kept;
}

/** Merges the files of a secret's row (see the module). */
function mergeRow(
  vault: OpenedVault,
  files: MergeFiles,
  keys: RemoteKeys,
): MergedFile {
  const hash = basename(files.path, ".json");
  const ours = row(hash, read(files.ours));
  const theirs = row(hash, read(files.theirs));
  if (ours.epoch !== theirs.epoch) throw refuse(NEWER_EPOCH);
  const seen = readSeenHead(vault)?.epoch;
  if (seen !== ours.epoch) {
    throw refuse(
      `this copy is at key epoch ${
        seen ?? 0
      } and the files at ${ours.epoch}: secrets sync this copy first`,
    );
  }
  const open = (side: RemoteRow) => openState(keys, side, side.sealed);
  const [a, b] = [open(ours), open(theirs)];
  if (vault.names.hash(a.name) !== hash || vault.names.hash(b.name) !== hash) {
    throw refuse("a side of the merge belongs to another name");
  }
  const key = digestKey(vault.keys.index);
  const digest = (state: NameState) => stateDigest(key, state);
  const baseText = read(files.base);
  const o = baseText.trim() === "" ? null : open(row(hash, baseText));
  let result: string;
  let conflict: string | null = null;
  if (digest(a) === digest(b)) {
    result = theirs.version > ours.version ? rowFile(theirs) : rowFile(ours);
  } else if (o !== null && digest(o) === digest(a)) {
    result = rowFile(theirs);
  } else if (o !== null && digest(o) === digest(b)) {
    result = rowFile(ours);
  } else {
    const merged = { ...a, conflicts: keptBeside(a, b) };
    const place = {
      hash,
      version: Math.max(ours.version, theirs.version) + 1,
      epoch: ours.epoch,
    };
    result = rowFile({ ...place, sealed: sealState(keys, place, merged) });
    conflict = a.name;
  }
  key.fill(0);
  Deno.writeTextFileSync(files.ours, result);
  return { conflict };
}

/**
 * Merges one file of a git folder remote for git (see the module). Two
 * versions that are the same file merge; a secret's row merges by sync's
 * rules; anything else (a head or member file changed differently on
 * both sides, two epochs) is a `RemoteError` and git keeps the conflict.
 */
export function mergeGitFile(
  vault: OpenedVault,
  files: MergeFiles,
): MergedFile {
  for (const [name, value] of Object.entries(files)) {
    if (typeof value !== "string" || value === "") {
      throw new ValidationError(`${name} must be a file's path`);
    }
  }
  const [ours, theirs] = [read(files.ours), read(files.theirs)];
  if (ours === theirs) return { conflict: null };
  const name = basename(files.path);
  if (basename(dirname(files.path)) === "secrets" && ROW_FILE.test(name)) {
    return mergeRow(vault, files, keysFor(vault, vault.unlocked.dek));
  }
  if (name === "vault.json") throw refuse(NEWER_EPOCH);
  throw refuse(`${files.path} changed differently on both branches`);
}
