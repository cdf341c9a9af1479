/**
 * The interface every remote engine implements, in terms of sealed bytes
 * only: the head (revision, key epoch, the vault's id and key check, and
 * the MACed record over its rows), the rows written after a revision, the
 * member slots, and a push that is one check-and-set. An engine never sees
 * a key; `vault/sync.ts` seals and checks what passes through it.
 *
 * @module
 */

import type { SlotRow } from "../storage/schema.ts";

/** A vault's head on the remote. */
export interface RemoteHead {
  /** How many pushes it took; 0 for a vault never pushed. */
  revision: number;
  /** The key epoch of its rows; 0 before the first push. */
  epoch: number;
  /** The vault's id, once pushed. */
  vaultId: Uint8Array | null;
  /** The check value of the data key its rows are sealed under. */
  keyCheck: Uint8Array | null;
  /** X and its MAC (`remote/records.ts`), once pushed. */
  record: Uint8Array | null;
}

/** One row of the remote: one name's state, sealed. */
export interface RemoteRow {
  /** The keyed name hash. */
  hash: string;
  /** The name's version, from 1. */
  version: number;
  /** The key epoch it was sealed under. */
  epoch: number;
  /** The revision of the push that wrote it. */
  revision: number;
  /** The sealed state. */
  sealed: Uint8Array;
}

/** A head and the rows written after a revision, as of one moment. */
export interface RemoteSnapshot {
  /** The head. */
  head: RemoteHead;
  /** The rows. */
  rows: RemoteRow[];
}

/** One row a push writes, against the version the replica last saw. */
export interface PushedRow extends RemoteRow {
  /** The version it replaces; 0 for a name new to the remote. */
  base: number;
}

/** A member slot on the remote, with its MAC under its epoch's key. */
export interface RemoteMember {
  /** The slot. */
  slot: SlotRow;
  /** Its MAC (`remote/records.ts`): a server cannot add a member. */
  mac: Uint8Array;
}

/** A key epoch's header: its fields, MACed under the previous epoch's key. */
export interface EpochHeader {
  /** The epoch it opens. */
  epoch: number;
  /** The header (`remote/records.ts`). */
  header: Uint8Array;
}

/** A push: the rows, the member slots, and the head it advances to. */
export interface Push {
  /** The revision the replica saw: the push fails if the head moved. */
  expect: number;
  /** The new head. */
  head: RemoteHead;
  /** The rows, each checked against its base version. */
  rows: readonly PushedRow[];
  /** The head epoch's member slots the remote lacks are added. */
  members: readonly RemoteMember[];
  /** With a new epoch, its header. */
  epoch?: EpochHeader;
}

/** A connection to one vault on a remote, closed when disposed. */
export interface Remote extends AsyncDisposable {
  /**
   * Whether the remote keeps a head revision and a MAC over its whole set
   * (PostgreSQL). A git folder does not: there a deleted or older file is
   * caught only for the names a copy already synced.
   */
  readonly ordered: boolean;
  /** The head, as it is now. */
  head(): Promise<RemoteHead>;
  /** Whether the role may push. */
  writable(): Promise<boolean>;
  /**
   * The head and every row written by a push after `revision`, read in
   * one snapshot, so a push between the two reads cannot split them.
   */
  snapshot(revision: number): Promise<RemoteSnapshot>;
  /** The member slots of key epoch `epoch`. */
  members(epoch: number): Promise<RemoteMember[]>;
  /** The headers of the epochs after `epoch`, in order. */
  epochs(after: number): Promise<EpochHeader[]>;
  /**
   * Calls `hint` whenever a push to this vault commits and whenever the
   * listening connection (re)connects, until the returned function is
   * called. A hint carries no data, and may be lost: callers pull anyway
   * now and then.
   */
  listen(hint: () => void): Promise<() => Promise<void>>;
  /**
   * Applies `push` in one transaction; `"moved"` when the head is not at
   * `push.expect` or a row is not at its base (nothing was written).
   */
  push(push: Push): Promise<"done" | "moved">;
}
