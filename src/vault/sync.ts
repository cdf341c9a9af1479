/**
 * Sync with the remote: pull (check, merge, apply in one transaction),
 * then push what this copy changed since its bases, as one check-and-set
 * against the head it just pulled. A push that finds the head moved pulls
 * again and retries; a remote at a new key epoch is followed first
 * (`epochs.ts`), and this copy's own rotation goes out as one. Every read
 * and write of the vault stays local: a server that is down costs a sync,
 * never a read.
 *
 * @module
 */

import { equalBytes } from "../crypto.ts";
import { RemoteError, ValidationError } from "../errors.ts";
import { validateProgress } from "../rules/validate.ts";
import type { ProgressListener } from "../types.ts";
import type { SeenHead } from "../rules/replica.ts";
import { type RemoteKeys, remoteKeys } from "../remote/records.ts";
import type { Remote, RemoteHead, RemoteSnapshot } from "../remote/remote.ts";
import { readCopyRecord, readKeyCheck } from "../storage/meta_table.ts";
import type { SlotRow } from "../storage/schema.ts";
import {
  adoptEpochs,
  type EpochIdentity,
  importMembers,
  outgoingMembers,
  previousKeys,
  verifiedMembers,
} from "./epochs.ts";
import { mergePull } from "./merge.ts";
import type { OpenedVault } from "./opened.ts";
import { planPush } from "./push.ts";
import { openRemote, remoteAddress } from "./remote.ts";
import {
  applyMerge,
  copyId,
  localNames,
  type MergedName,
  readBases,
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
  /**
   * The identity (an age or SSH key's text) that opens this copy's member
   * slot of a new key epoch, for a copy without a member key of its own (a
   * read-only one, as a fleet server's); default: this copy's own key.
   */
  identity?: string;
  /** The identity's passphrase, for an encrypted SSH key. */
  passphrase?: string;
  /** Told how many names a pull wrote, or a push sealed, of how many. */
  onProgress?: ProgressListener;
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
  /** The remote's key epoch now. */
  epoch: number;
}

// A push that finds the head moved pulls and tries again, this often (a
// new epoch taken counts as one).
const MAX_ATTEMPTS = 8;
const NO_HEAD: SeenHead = { revision: 0, epoch: 0 };

/** What a sync does, checked. */
export type SyncPlan =
  & Required<Pick<SyncOptions, "pull" | "push" | "repair">>
  & Pick<SyncOptions, "onProgress">
  & EpochIdentity;

/** Checks sync options; bad ones are a {@linkcode ValidationError}. */
export function checkSyncOptions(
  options: unknown,
): SyncPlan & { password?: string } {
  if (typeof options !== "object" || options === null) {
    throw new ValidationError("options must be an object");
  }
  const { password, pull, push, repair, identity, passphrase } =
    options as SyncOptions;
  for (
    const [name, text] of Object.entries({ password, identity, passphrase })
  ) {
    if (text !== undefined && typeof text !== "string") {
      throw new ValidationError(`${name} must be a string`);
    }
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
    identity,
    passphrase,
    onProgress: validateProgress(options as SyncOptions),
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

/** Refuses a remote that holds another vault, or that went back. */
function checkHead(
  keys: RemoteKeys,
  seen: SeenHead,
  head: RemoteHead,
  plan: SyncPlan & { ordered: boolean },
): void {
  if (head.vaultId !== null && !equalBytes(head.vaultId, keys.vaultId)) {
    throw new RemoteError(
      "the remote holds another vault under this name: pick another --name, or clone it",
    );
  }
  // A git folder has no revision: its checks are per name (`merge.ts`).
  if (!plan.ordered) return;
  if (head.revision < seen.revision && !plan.repair) {
    throw new RemoteError(
      `the remote is at revision ${head.revision}, behind the ${seen.revision} this copy saw: it was rolled back, or restored; nothing was applied or pushed`,
      { remedy: { kind: "remote-behind" } },
    );
  }
  if (!plan.pull && head.revision !== seen.revision) {
    throw new RemoteError(
      `the remote has changes this copy has not pulled (revision ${head.revision}, this copy saw ${seen.revision}); nothing was pushed`,
      { remedy: { kind: "pull-first" } },
    );
  }
}

/**
 * The keys the remote's rows are under: this copy's, or those of the epoch
 * it last synced when its own rotation is unpushed; `null` when neither
 * (another copy pushed a new epoch).
 */
function rowKeys(
  head: RemoteHead,
  current: RemoteKeys,
  previous: RemoteKeys | null,
): RemoteKeys | null {
  if (head.keyCheck === null || equalBytes(head.keyCheck, current.keyCheck)) {
    return current;
  }
  return previous !== null && equalBytes(head.keyCheck, previous.keyCheck)
    ? previous
    : null;
}

/** The names with kept values, from the bases alone (no value is opened). */
function conflictNames(vault: OpenedVault): string[] {
  const names: string[] = [];
  for (const base of readBases(vault).values()) {
    if (base.conflicts.length > 0) names.push(base.name);
  }
  return names.sort();
}

/** Pulls into the vault, keeping `seen`'s previous key; returns how many names. */
function pull(
  vault: OpenedVault,
  keys: RemoteKeys,
  { head, rows }: RemoteSnapshot,
  seen: SeenHead,
  plan: SyncPlan & { ordered: boolean },
): number {
  const { repair, ordered } = plan;
  if (ordered && head.revision === seen.revision && !repair) return 0;
  const locals = new Map(localNames(vault).map((l) => [l.hash, l]));
  const merge = mergePull(vault, {
    keys,
    head,
    rows,
    locals,
    repair,
    ordered,
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
  applyMerge(vault, merged, {
    ...seen,
    revision: head.revision,
    epoch: head.epoch,
  }, plan.onProgress);
  return merge.pulled;
}

/** The member slots the remote holds for its head epoch, verified. */
async function remoteMembers(
  remote: Remote,
  keys: RemoteKeys,
  head: RemoteHead,
): Promise<SlotRow[]> {
  if (head.vaultId === null) return [];
  return verifiedMembers(keys, await remote.members(head.epoch));
}

/** Syncs the vault with `remote`, as `plan` says. */
export async function syncWith(
  vault: OpenedVault,
  remote: Remote,
  plan: SyncPlan,
): Promise<SyncReport> {
  let pulled = 0;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const seen = readSeenHead(vault) ?? NO_HEAD;
    const current = keysOf(vault);
    const previous = previousKeys(vault, seen);
    const snapshot = plan.pull
      ? await remote.snapshot(plan.repair ? 0 : seen.revision)
      : { head: await remote.head(), rows: [] };
    const { head } = snapshot;
    const ordered = { ...plan, ordered: remote.ordered };
    checkHead(current, seen, head, ordered);
    const keys = rowKeys(head, current, previous);
    if (keys === null) {
      if (head.epoch <= seen.epoch) {
        throw new RemoteError(
          `the remote's rows are under a key this copy cannot follow (epoch ${head.epoch}): it was forged or rolled back; nothing was applied`,
        );
      }
      await adoptEpochs(vault, remote, seen, head, previous ?? current, plan);
      continue;
    }
    if (plan.pull) {
      pulled += pull(vault, keys, snapshot, seen, ordered);
    }
    const there = await remoteMembers(remote, keys, head);
    if (plan.pull && keys === current) importMembers(vault, there);
    const report = (pushed: number, at: RemoteHead): SyncReport => ({
      pulled,
      pushed,
      conflicts: conflictNames(vault),
      revision: at.revision,
      epoch: at.epoch,
    });
    if (!plan.push) return report(0, head);
    const planned = planPush(vault, {
      keys: current,
      previous: keys === current ? null : keys,
      head,
      locals: localNames(vault),
      members: outgoingMembers(vault, current),
      remoteMembers: new Set(there.map((slot) => slot.id)),
      onProgress: plan.onProgress,
      copy: copyId(vault),
    });
    if (planned.push === null) return report(0, head);
    if (await remote.push(planned.push) === "moved") {
      if (plan.pull) continue;
      throw new RemoteError(
        "the remote holds changes this copy has not pulled; nothing was pushed",
        { remedy: { kind: "pull-first" } },
      );
    }
    const next = planned.push.head;
    applyMerge(vault, planned.merged, {
      revision: next.revision,
      epoch: next.epoch,
    });
    return report(planned.push.rows.length, next);
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
  const { password, ...plan } = checkSyncOptions(options);
  const address = remoteAddress(vault);
  await using remote = await openRemote(vault, address, password);
  return await syncWith(vault, remote, plan);
}
