/**
 * What a push sends: every name this copy changed since its base (every
 * name, when the push opens a new key epoch), sealed at its next version;
 * the head after those rows replace their bases in the set, MACed; the
 * member slots the remote lacks, each MACed; and, for a new epoch, its
 * header MACed under the previous epoch's key. Also the bases this copy
 * keeps once the remote took it.
 *
 * @module
 */

import { decodeBase64, encodeBase64 } from "../base64.ts";
import { digestKey, stateDigest } from "../rules/replica.ts";
import {
  encodeEpoch,
  encodeHead,
  type RemoteKeys,
  rowTag,
  sealState,
  toggleTag,
} from "../remote/records.ts";
import type {
  Push,
  PushedRow,
  RemoteHead,
  RemoteMember,
} from "../remote/remote.ts";
import { baseSet, changedHere } from "./merge.ts";
import type { OpenedVault } from "./opened.ts";
import type { ProgressListener } from "../types.ts";
import type { LocalName, MergedName } from "./replica_state.ts";

/** The epoch of a remote never pushed takes on its first push. */
export const FIRST_EPOCH = 1;

/** What a push needs to know. */
export interface PushInput {
  /** The keys this copy seals under now. */
  keys: RemoteKeys;
  /** The keys of the remote's epoch, when this push opens a new one. */
  previous: RemoteKeys | null;
  /** The head this copy just pulled. */
  head: RemoteHead;
  /** Every name this copy holds or synced, after the pull. */
  locals: readonly LocalName[];
  /** This copy's member slots, each MACed under `keys`. */
  members: readonly RemoteMember[];
  /** The ids of the member slots the remote holds for its head epoch. */
  remoteMembers: ReadonlySet<string>;
  /** Told how many names are sealed, of how many. */
  onProgress?: ProgressListener;
  /** This copy's short id, recorded on the values it wrote. */
  copy: string;
}

/** A push, and the bases and head this copy keeps once it is taken. */
export interface PlannedPush {
  /** What the remote is sent; `null` when there is nothing to send. */
  push: Push | null;
  /** The bases from then on. */
  merged: MergedName[];
}

function sealed(
  vault: OpenedVault,
  keys: RemoteKeys,
  locals: readonly LocalName[],
  everything: boolean,
  at: { revision: number; epoch: number; copy: string },
  onProgress?: ProgressListener,
): { rows: PushedRow[]; merged: MergedName[] } {
  const key = digestKey(vault.keys.index);
  const rows: PushedRow[] = [];
  const merged: MergedName[] = [];
  for (const [done, local] of locals.entries()) {
    onProgress?.(done, locals.length);
    const changed = changedHere(key, local);
    if (!everything && !changed) continue;
    const base = local.base?.version ?? 0;
    const place = { hash: local.hash, version: base + 1, epoch: at.epoch };
    // A value this copy wrote says so: a merge that keeps it beside
    // another's can tell whose it is (`resolve --keep local`).
    const { current } = local.state;
    const state = changed && current !== null
      ? { ...local.state, current: { ...current, from: at.copy } }
      : local.state;
    const bytes = sealState(keys, place, state);
    const tag = rowTag(keys, place, bytes);
    rows.push({ ...place, revision: at.revision, sealed: bytes, base });
    merged.push({
      hash: local.hash,
      base: {
        name: local.state.name,
        version: place.version,
        tag: encodeBase64(tag),
        digest: stateDigest(key, local.state),
        conflicts: local.state.conflicts,
        ...(local.base === undefined ? {} : { parent: local.base.digest }),
      },
    });
  }
  key.fill(0);
  return { rows, merged };
}

/** X once `merged` replaces the bases of `locals` it names. */
function nextSet(
  locals: readonly LocalName[],
  merged: readonly MergedName[],
): Uint8Array {
  const x = baseSet(locals);
  const old = new Map(locals.map((local) => [local.hash, local.base?.tag]));
  for (const { hash, base } of merged) {
    const tag = old.get(hash);
    if (tag !== undefined) toggleTag(x, decodeBase64(tag, "a tag"));
    if (base !== null) toggleTag(x, decodeBase64(base.tag, "a tag"));
  }
  return x;
}

/** Plans the push of what this copy changed (see the module). */
export function planPush(vault: OpenedVault, input: PushInput): PlannedPush {
  const { keys, previous, head, locals } = input;
  const revision = head.revision + 1;
  const epoch = previous !== null
    ? head.epoch + 1
    : head.epoch === 0
    ? FIRST_EPOCH
    : head.epoch;
  const { rows, merged } = sealed(vault, keys, locals, previous !== null, {
    revision,
    epoch,
    copy: input.copy,
  }, input.onProgress);
  const members = previous !== null
    ? input.members
    : input.members.filter((m) => !input.remoteMembers.has(m.slot.id));
  if (rows.length === 0 && members.length === 0) {
    return { push: null, merged };
  }
  const x = nextSet(locals, merged);
  return {
    push: {
      expect: head.revision,
      head: {
        revision,
        epoch,
        vaultId: keys.vaultId,
        keyCheck: keys.keyCheck,
        record: encodeHead(keys, { revision, epoch, x }),
      },
      rows,
      members,
      ...(previous === null ? {} : {
        epoch: {
          epoch,
          header: encodeEpoch(previous, {
            epoch,
            keyCheck: keys.keyCheck,
            members: members.map((m) => m.slot.id),
          }),
        },
      }),
    },
    merged,
  };
}
