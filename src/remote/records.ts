/**
 * What a remote holds, sealed: one row per name (its state, encrypted
 * under a key of the data key, bound to the vault, the name hash, the
 * row's version and the key epoch), each row's tag, and the head's MAC
 * over the revision, the epoch, the key check and the XOR of every row's
 * tag. A server that forges, moves, drops or replays a row, or rolls the
 * head back, fails a check here or in the replica's count of revisions:
 *
 * - row additional data: `@scope/secrets remote row\0` ‖ vault id (hex)
 *   ‖ `\0` ‖ name hash ‖ `\0` ‖ version ‖ `\0` ‖ epoch
 * - row tag: HMAC(k_mac, `@scope/secrets remote tag\0` ‖ name hash ‖ `\0`
 *   ‖ version ‖ `\0` ‖ epoch ‖ `\0` ‖ sealed)
 * - head MAC: HMAC(k_mac, `@scope/secrets remote head\0` ‖ vault id (hex)
 *   ‖ `\0` ‖ revision ‖ `\0` ‖ epoch ‖ `\0` ‖ key check (hex) ‖ `\0` ‖ X)
 *
 * where k_seal and k_mac are HKDF-SHA256 of the data key, salted with the
 * vault id, under the labels below. Numbers are decimal.
 *
 * @module
 */

import { decodeHex, encodeHex } from "../base64.ts";
import {
  decrypt,
  encrypt,
  equalBytes,
  hkdf,
  hmac,
  KEY_BYTES,
} from "../crypto.ts";
import { RemoteError } from "../errors.ts";
import { type NameState, parseNameState } from "../rules/replica.ts";
import { encodeRow } from "../storage/macs.ts";
import type { SlotRow } from "../storage/schema.ts";

/** The HKDF label of the key that seals remote rows. */
export const REMOTE_SEAL_LABEL = "@scope/secrets remote seal";
/** The HKDF label of the key of row tags and the head MAC. */
export const REMOTE_MAC_LABEL = "@scope/secrets remote mac";

const ROW_AAD = "@scope/secrets remote row\0";
const TAG_DOMAIN = "@scope/secrets remote tag\0";
const HEAD_DOMAIN = "@scope/secrets remote head\0";
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** The keys of one vault's remote rows under one data key. */
export interface RemoteKeys {
  /** The vault's random id. */
  vaultId: Uint8Array;
  /** Seals rows. */
  seal: Uint8Array;
  /** Keys row tags and the head MAC. */
  mac: Uint8Array;
  /** The data key's check value, which the head names. */
  keyCheck: Uint8Array;
}

/** Where a row sits: its name hash, version and key epoch. */
export interface RowPlace {
  /** The keyed name hash. */
  hash: string;
  /** The name's version on the remote, from 1. */
  version: number;
  /** The key epoch it was sealed under. */
  epoch: number;
}

/** The head of a vault on the remote, as its MAC covers it. */
export interface HeadFields {
  /** How many pushes the remote took. */
  revision: number;
  /** The key epoch. */
  epoch: number;
  /** The XOR of every row's tag. */
  x: Uint8Array;
}

/** The remote keys of the data key `dek` of the vault `vaultId`. */
export function remoteKeys(
  dek: Uint8Array,
  vaultId: Uint8Array,
  keyCheck: Uint8Array,
): RemoteKeys {
  return {
    vaultId,
    seal: hkdf(dek, vaultId, REMOTE_SEAL_LABEL),
    mac: hkdf(dek, vaultId, REMOTE_MAC_LABEL),
    keyCheck,
  };
}

function rowAad(keys: RemoteKeys, place: RowPlace): Uint8Array {
  return encoder.encode(
    `${ROW_AAD}${
      encodeHex(keys.vaultId)
    }\0${place.hash}\0${place.version}\0${place.epoch}`,
  );
}

/** `state` sealed as the row at `place`. */
export function sealState(
  keys: RemoteKeys,
  place: RowPlace,
  state: NameState,
): Uint8Array {
  const plain = encoder.encode(JSON.stringify(state));
  try {
    return encrypt(keys.seal, plain, rowAad(keys, place));
  } finally {
    plain.fill(0);
  }
}

/**
 * The state the row at `place` holds; a row that does not open there (forged,
 * moved to another name or version, or from another vault or key) is
 * {@linkcode RemoteError}.
 */
export function openState(
  keys: RemoteKeys,
  place: RowPlace,
  sealed: Uint8Array,
): NameState {
  const refused = (): RemoteError =>
    new RemoteError(
      `the remote's row ${
        place.hash.slice(0, 8)
      } (version ${place.version}) does not open: it was forged, moved or altered; nothing was applied`,
    );
  const plain = decrypt(keys.seal, sealed, rowAad(keys, place));
  if (plain === null) throw refused();
  try {
    const state = parseNameState(JSON.parse(decoder.decode(plain)));
    if (state === null) throw refused();
    return state;
  } catch {
    throw refused();
  } finally {
    plain.fill(0);
  }
}

/** The tag of the row at `place` holding `sealed`. */
export function rowTag(
  keys: RemoteKeys,
  place: RowPlace,
  sealed: Uint8Array,
): Uint8Array {
  const head = `${TAG_DOMAIN}${place.hash}\0${place.version}\0${place.epoch}\0`;
  return macOf(keys, head, sealed);
}

/** HMAC(k_mac, `prefix` as UTF-8 ‖ `body`): every MAC of the remote's. */
function macOf(keys: RemoteKeys, prefix: string, body: Uint8Array): Uint8Array {
  const head = encoder.encode(prefix);
  const bytes = new Uint8Array(head.length + body.length);
  bytes.set(head);
  bytes.set(body, head.length);
  return hmac(keys.mac, bytes);
}

/** An empty set's X: no row, no tag. */
export function emptySet(): Uint8Array {
  return new Uint8Array(KEY_BYTES);
}

/** `x` with `tag` added or removed (XOR is its own inverse). */
export function toggleTag(x: Uint8Array, tag: Uint8Array): void {
  for (let i = 0; i < x.length; i++) x[i] ^= tag[i];
}

/** The MAC of `head`. */
export function headMac(keys: RemoteKeys, head: HeadFields): Uint8Array {
  const prefix = `${HEAD_DOMAIN}${
    encodeHex(keys.vaultId)
  }\0${head.revision}\0${head.epoch}\0${encodeHex(keys.keyCheck)}\0`;
  return macOf(keys, prefix, head.x);
}

/** The head record the remote stores: X, then its MAC. */
export function encodeHead(keys: RemoteKeys, head: HeadFields): Uint8Array {
  const record = new Uint8Array(KEY_BYTES * 2);
  record.set(head.x);
  record.set(headMac(keys, head), KEY_BYTES);
  return record;
}

/**
 * X from a head record whose MAC verifies for `revision` and `epoch`;
 * anything else is {@linkcode RemoteError}.
 */
export function decodeHead(
  keys: RemoteKeys,
  revision: number,
  epoch: number,
  record: Uint8Array,
): Uint8Array {
  const x = record.slice(0, KEY_BYTES);
  const ok = record.length === KEY_BYTES * 2 &&
    equalBytes(headMac(keys, { revision, epoch, x }), record.slice(KEY_BYTES));
  if (!ok) {
    throw new RemoteError(
      `the remote's head (revision ${revision}) does not verify: it was forged or altered; nothing was applied`,
    );
  }
  return x;
}

/** What a key epoch's header says: the new key and who holds it. */
export interface EpochFields {
  /** The epoch it opens. */
  epoch: number;
  /** The new data key's check value. */
  keyCheck: Uint8Array;
  /** The ids of the member slots that wrap the new key, sorted. */
  members: string[];
}

const EPOCH_DOMAIN = "@scope/secrets remote epoch\0";

function epochBody(vaultId: Uint8Array, fields: EpochFields): Uint8Array {
  return encoder.encode(JSON.stringify({
    vault: encodeHex(vaultId),
    epoch: fields.epoch,
    keyCheck: encodeHex(fields.keyCheck),
    members: [...fields.members].sort(),
  }));
}

function epochMac(previous: RemoteKeys, body: Uint8Array): Uint8Array {
  return macOf(previous, EPOCH_DOMAIN, body);
}

/**
 * The header of a new key epoch: its fields as JSON, then their MAC under
 * the previous epoch's key, which only a holder of that key can make: a
 * key that merely unwraps through a member slot proves nothing (anyone can
 * wrap a key to a public key).
 */
export function encodeEpoch(
  previous: RemoteKeys,
  fields: EpochFields,
): Uint8Array {
  const body = epochBody(previous.vaultId, fields);
  const header = new Uint8Array(body.length + KEY_BYTES);
  header.set(body);
  header.set(epochMac(previous, body), body.length);
  return header;
}

/**
 * The fields of the header of epoch `epoch`, when its MAC verifies under
 * the previous epoch's keys and it names this vault and that epoch;
 * anything else is {@linkcode RemoteError}.
 */
export function decodeEpoch(
  previous: RemoteKeys,
  epoch: number,
  header: Uint8Array,
): EpochFields {
  const refused = (): RemoteError =>
    new RemoteError(
      `the remote's header of key epoch ${epoch} does not verify under the previous epoch's key: it was forged; nothing was applied`,
    );
  const body = header.subarray(0, header.length - KEY_BYTES);
  const mac = header.subarray(header.length - KEY_BYTES);
  if (
    header.length <= KEY_BYTES || !equalBytes(epochMac(previous, body), mac)
  ) {
    throw refused();
  }
  const fields = JSON.parse(decoder.decode(body));
  if (fields.vault !== encodeHex(previous.vaultId) || fields.epoch !== epoch) {
    throw refused();
  }
  return {
    epoch,
    keyCheck: decodeHex(fields.keyCheck) ?? new Uint8Array(),
    members: Array.isArray(fields.members) ? fields.members.map(String) : [],
  };
}

const MEMBER_DOMAIN = "@scope/secrets remote member\0";

/**
 * The MAC of a member slot on the remote, under its epoch's key: over its
 * id, label, KDF record (the recipient and fingerprint) and wrapped key,
 * each length-prefixed, and its creation time, as a row's MAC encodes them
 * (`storage/macs.ts`). A server cannot add a member (whose
 * recipient the next rotation would wrap the new key to).
 */
export function memberMac(keys: RemoteKeys, slot: SlotRow): Uint8Array {
  const text = [slot.id, slot.label, slot.kdf].map((f) => encoder.encode(f));
  const body = encodeRow([...text, slot.wrapped], [slot.created]);
  return macOf(keys, MEMBER_DOMAIN, body);
}

/** Whether `mac` is the MAC of `slot` under `keys`. */
export function memberVerifies(
  keys: RemoteKeys,
  slot: SlotRow,
  mac: Uint8Array,
): boolean {
  return equalBytes(memberMac(keys, slot), mac);
}
