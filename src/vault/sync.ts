/**
 * Sync with the remote: pull (check, merge, apply in one transaction),
 * then push what this copy changed since its bases, as one check-and-set
 * against the head it just pulled. A push that finds the head moved pulls
 * again and retries. Every read and write of the vault stays local: a
 * server that is down costs a sync, never a read.
 *
 * @module
 */

import { decodeBase64 } from "../base64.ts";
import { equalBytes } from "../crypto.ts";
import { RemoteError, ValidationError } from "../errors.ts";
import { digestKey, stateDigest } from "../rules/replica.ts";
import {
  encodeHead,
  type RemoteKeys,
  remoteKeys,
  rowTag,
  sealState,
  toggleTag,
} from "../remote/records.ts";
import type {
  PushedRow,
  Remote,
  RemoteHead,
  RemoteSnapshot,
} from "../remote/remote.ts";
import { encodeBase64 } from "../base64.ts";
import { readCopyRecord, readKeyCheck } from "../storage/meta_table.ts";
import { readSlots } from "../storage/slot_table.ts";
import { baseSet, changedHere, mergePull } from "./merge.ts";
import type { OpenedVault } from "./opened.ts";
import { remoteAddress } from "./remote.ts";
import {
  applyMerge,
  copyId,
  type LocalName,
  localNames,
  type MergedName,
  readSeenHead,
} from "./replica_state.ts";

/** Options for {@linkcode SecretsEngine.sync}. */
export interface SyncOptions {
  /** The remote role's password, when the server asks for one. */
  password?: string;
  /** Pull the remote's changes (default `true`). */
  pull?: boolean;
  /** Push this copy's changes (default `true`). */
  push?: boolean;
  /**
   * Accept a remote behind what this copy saw, as after a failover or a
   * restore of the server: its rows are taken as they are.
   */
  repair?: boolean;
}

/** What {@linkcode SecretsEngine.sync} did. */
export interface SyncReport {
  /** How many names took the remote's state. */
  pulled: number;
  /** How many names this copy pushed. */
  pushed: number;
  /**
   * The names with values a conflict kept, sorted: `resolve` picks one.
   * Reported on every copy until then.
   */
  conflicts: string[];
  /** The remote's revision now. */
  revision: number;
}

// A push that finds the head moved pulls and tries again, this often.
const MAX_ATTEMPTS = 5;
const FIRST_EPOCH = 1;
const NO_HEAD = { revision: 0, epoch: 0 };

type Checked = Required<Omit<SyncOptions, "password">> & {
  password: string | undefined;
};

function checkOptions(options: unknown): Checked {
  if (typeof options !== "object" || options === null) {
    throw new ValidationError("options must be an object");
  }
  const { password, pull, push, repair } = options as SyncOptions;
  if (password !== undefined && typeof password !== "string") {
    throw new ValidationError("password must be a string");
  }
  for (const [name, flag] of Object.entries({ pull, push, repair })) {
    if (flag !== undefined && typeof flag !== "boolean") {
      throw new ValidationError(`${name} is true or false`);
    }
  }
  if (pull === false && push === false) {
    throw new ValidationError("pull and push are both false: nothing to do");
  }
  return {
    password,
    pull: pull ?? true,
    push: push ?? true,
    repair: repair ?? false,
  };
}

function keysOf(vault: OpenedVault): RemoteKeys {
  const check = readKeyCheck(vault.store);
  if (check === null) throw new RemoteError("the vault has no key check");
  const { vaultId } = readCopyRecord(vault.store);
  return remoteKeys(vault.unlocked.dek, vaultId, check);
}

/** Refuses a remote that holds another vault, or one under another key. */
function checkHead(keys: RemoteKeys, head: RemoteHead): void {
  if (head.vaultId !== null && !equalBytes(head.vaultId, keys.vaultId)) {
    throw new RemoteError(
      "the remote holds another vault under this name: pick another --name, or clone it",
    );
  }
  if (head.keyCheck !== null && !equalBytes(head.keyCheck, keys.keyCheck)) {
    throw new RemoteError(
      "the remote's rows are under another data key than this copy's (a rotation or member removal on one side); syncing across key epochs is not supported yet: clone the remote again into a new directory",
    );
  }
}

function conflictNames(locals: Iterable<LocalName>): string[] {
  const names: string[] = [];
  for (const { state } of locals) {
    if (state.conflicts.length > 0) names.push(state.name);
  }
  return names.sort();
}

function byHash(locals: readonly LocalName[]): Map<string, LocalName> {
  return new Map(locals.map((local) => [local.hash, local]));
}

/** Pulls into the vault; returns the merge and the names as they now are. */
function pull(
  vault: OpenedVault,
  keys: RemoteKeys,
  { head, rows }: RemoteSnapshot,
  repair: boolean,
): { pulled: number; locals: LocalName[] } {
  const seen = readSeenHead(vault) ?? NO_HEAD;
  if (head.revision === seen.revision && !repair) {
    return { pulled: 0, locals: localNames(vault) };
  }
  const locals = byHash(localNames(vault));
  const merge = mergePull(vault, {
    keys,
    head,
    rows,
    locals,
    repair,
    copy: copyId(vault),
  });
  const merged: MergedName[] = merge.merged;
  if (repair) {
    const present = new Set(rows.map((row) => row.hash));
    for (const [hash, local] of locals) {
      if (local.base !== undefined && !present.has(hash)) {
        merged.push({ hash, base: null });
      }
    }
  }
  applyMerge(vault, merged, { revision: head.revision, epoch: head.epoch });
  return { pulled: merge.pulled, locals: localNames(vault) };
}

/** The rows this copy changed, sealed at their next versions. */
function outgoing(
  vault: OpenedVault,
  keys: RemoteKeys,
  locals: readonly LocalName[],
  revision: number,
  epoch: number,
): { rows: PushedRow[]; merged: MergedName[] } {
  const key = digestKey(vault.keys.index);
  const rows: PushedRow[] = [];
  const merged: MergedName[] = [];
  for (const local of locals) {
    if (!changedHere(key, local)) continue;
    const base = local.base?.version ?? 0;
    const place = { hash: local.hash, version: base + 1, epoch };
    const sealed = sealState(keys, place, local.state);
    const tag = rowTag(keys, place, sealed);
    rows.push({ ...place, revision, sealed, base });
    merged.push({
      hash: local.hash,
      base: {
        name: local.state.name,
        version: place.version,
        tag: encodeBase64(tag),
        digest: stateDigest(key, local.state),
        conflicts: local.state.conflicts,
      },
    });
  }
  key.fill(0);
  return { rows, merged };
}

/** The head after `rows` replace their bases in the set. */
function nextHead(
  keys: RemoteKeys,
  locals: readonly LocalName[],
  rows: readonly PushedRow[],
  merged: readonly MergedName[],
  head: RemoteHead,
): RemoteHead {
  const x = baseSet(locals);
  const old = byHash(locals);
  for (const { hash } of rows) {
    const tag = old.get(hash)?.base?.tag;
    if (tag !== undefined) toggleTag(x, decodeBase64(tag, "a tag"));
  }
  for (const { base } of merged) {
    if (base !== null) toggleTag(x, decodeBase64(base.tag, "a tag"));
  }
  const revision = head.revision + 1;
  const epoch = head.epoch === 0 ? FIRST_EPOCH : head.epoch;
  return {
    revision,
    epoch,
    vaultId: keys.vaultId,
    keyCheck: keys.keyCheck,
    record: encodeHead(keys, { revision, epoch, x }),
  };
}

/** Syncs the vault with `remote`, as `options` say. */
export async function syncWith(
  vault: OpenedVault,
  remote: Remote,
  options: Omit<Checked, "password">,
): Promise<SyncReport> {
  const keys = keysOf(vault);
  let pulled = 0;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const seen = readSeenHead(vault) ?? NO_HEAD;
    const snapshot = options.pull
      ? await remote.snapshot(options.repair ? 0 : seen.revision)
      : { head: await remote.head(), rows: [] };
    const { head } = snapshot;
    checkHead(keys, head);
    if (head.revision < seen.revision && !options.repair) {
      throw new RemoteError(
        `the remote is at revision ${head.revision}, behind the ${seen.revision} this copy saw: it was rolled back, or restored; nothing was applied or pushed`,
        { remedy: { kind: "remote-behind" } },
      );
    }
    if (!options.pull && head.revision !== seen.revision) {
      throw new RemoteError(
        `the remote has changes this copy has not pulled (revision ${head.revision}, this copy saw ${seen.revision}); nothing was pushed`,
        { remedy: { kind: "pull-first" } },
      );
    }
    const done = options.pull
      ? pull(vault, keys, snapshot, options.repair)
      : { pulled: 0, locals: localNames(vault) };
    pulled += done.pulled;
    const report = (pushed: number, revision: number): SyncReport => ({
      pulled,
      pushed,
      conflicts: conflictNames(localNames(vault)),
      revision,
    });
    if (!options.push) return report(0, head.revision);
    const revision = head.revision + 1;
    const epoch = head.epoch === 0 ? FIRST_EPOCH : head.epoch;
    const { rows, merged } = outgoing(
      vault,
      keys,
      done.locals,
      revision,
      epoch,
    );
    if (rows.length === 0) return report(0, head.revision);
    const next = nextHead(keys, done.locals, rows, merged, head);
    const members = readSlots(vault.store).filter((s) => s.kind === "member");
    const result = await remote.push({
      expect: head.revision,
      head: next,
      rows,
      members,
    });
    if (result === "moved") continue;
    applyMerge(vault, merged, { revision, epoch });
    return report(rows.length, revision);
  }
  throw new RemoteError(
    "the remote kept moving while this copy pushed: other copies are pushing; sync again",
  );
}

/**
 * Syncs this copy with its remote: pulls (every row checked, merged by
 * name, applied in one transaction), then pushes what this copy changed.
 * A server that is unreachable, refuses, or lies (a row forged, moved,
 * dropped or rolled back) is a `RemoteError`, and the vault is as it was
 * before the step that failed.
 */
export async function syncVault(
  vault: OpenedVault,
  options: unknown,
): Promise<SyncReport> {
  const checked = checkOptions(options);
  const address = remoteAddress(vault);
  const { openPostgres } = await import("../remote/pg_remote.ts");
  await using remote = await openPostgres(address, checked.password);
  return await syncWith(vault, remote, checked);
}
