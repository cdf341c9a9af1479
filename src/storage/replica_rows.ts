/**
 * The `replica` table's cells (format 7): each merge base, and under
 * {@linkcode HEAD_KEY} the remote head last seen, sealed as JSON like an
 * annotation, with the name hash in the additional data.
 *
 * @module
 */

import type { SubKeys } from "../crypto.ts";
import { DecryptionError } from "../errors.ts";
import {
  HEAD_KEY,
  type HeadThrough,
  headThroughEpoch,
  type NameBase,
  parseBase,
  parseSeenHead,
  type SeenHead,
} from "../rules/replica.ts";
import type { AnnotationRow } from "./annotation_table.ts";
import { entryRef, openJson, sealJson } from "./rows.ts";

const encoder = new TextEncoder();

function replicaAad(hash: string): Uint8Array {
  return encoder.encode(`replica\0${hash}`);
}

/**
 * A merge base, or under {@linkcode HEAD_KEY} the remote head last seen,
 * sealed for the name hash `hash` (format 7).
 */
export function sealReplica(
  keys: SubKeys,
  hash: string,
  record: NameBase | SeenHead,
): Uint8Array {
  return sealJson(keys, record, replicaAad(hash));
}

/**
 * The merge base `sealed` holds for the name hash `hash`; one that does
 * not decrypt is a {@linkcode DecryptionError}.
 */
export function openBase(
  keys: SubKeys,
  hash: string,
  sealed: Uint8Array,
): NameBase {
  return openJson(
    keys,
    sealed,
    replicaAad(hash),
    parseBase,
    () =>
      new DecryptionError(
        `the merge base of ${
          entryRef(hash)
        } does not decrypt: it was altered or moved`,
      ),
  );
}

/** The remote head last seen, which `sealed` holds. */
export function openSeenHead(keys: SubKeys, sealed: Uint8Array): SeenHead {
  return openJson(
    keys,
    sealed,
    replicaAad(HEAD_KEY),
    parseSeenHead,
    () =>
      new DecryptionError(
        "the remote head this copy last saw does not decrypt: it was altered",
      ),
  );
}

/**
 * The replica row `row`, opened under `keys` and sealed under `next`; the
 * head passes through the epoch as `through` says.
 */
export function resealReplica(
  keys: SubKeys,
  next: SubKeys,
  row: AnnotationRow,
  through: HeadThrough | undefined,
): AnnotationRow {
  const hash = row.name_hash;
  const record = hash !== HEAD_KEY
    ? openBase(keys, hash, row.sealed)
    : through === undefined
    ? openSeenHead(keys, row.sealed)
    : headThroughEpoch(openSeenHead(keys, row.sealed), through);
  return { name_hash: hash, sealed: sealReplica(next, hash, record) };
}
