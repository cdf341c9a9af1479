/**
 * Key slots: each of this copy's slots wraps one key (the copy secret from
 * format 6, the data key before) under a key-encryption key derived from
 * one secret, so any slot opens the vault and adding or removing one
 * rewraps nothing else (LUKS2's keyslots, in miniature). A member slot
 * holds an age file instead (`member_slot.ts`); here it is a row whose KDF
 * names its recipient.
 *
 * | kind | secret | KEK |
 * | --- | --- | --- |
 * | `machine` | the keyfile, plus any binding factors | HKDF; scrypt with factors, which are guessable |
 * | `passphrase` | a passphrase, NFC-normalised | scrypt |
 * | `key` | 160 random bits the engine made | HKDF |
 * | `member` | the member's own age or SSH key | none: an age file to its recipient |
 *
 * Each wrap binds, as additional data, the format, the slot's id, kind,
 * KDF and parameters, salt and factors: a wrapped key moved to another slot,
 * or a slot whose parameters were edited, does not unwrap.
 *
 * @module
 */

import { encodeBase64, encodeHex } from "../base64.ts";
import {
  decrypt,
  DEFAULT_KDF,
  deriveKek,
  encrypt,
  hkdf,
  type KdfParams,
  KEY_BYTES,
  randomBytes,
  readKdfParams,
} from "../crypto.ts";
import { IntegrityError, ValidationError } from "../errors.ts";
import type { SlotRow } from "../storage/schema.ts";
import { readFactors, recordedFactors } from "./factors.ts";
import type {
  BindingFactor,
  MemberKind,
  SlotInfo,
  SlotKind,
} from "../types.ts";

/**
 * How a slot's key-encryption key is derived; for a member slot, the age
 * recipient its keys are wrapped to, with its fingerprint and the slot
 * that added it.
 */
export type SlotKdf =
  | { name: "hkdf" }
  | ({ name: "scrypt" } & KdfParams)
  | MemberKdf;

/** A member slot's recipient, as its row records it. */
export interface MemberKdf {
  /** Always `age`: the slot holds an age file. */
  name: "age";
  /** The recipient's kind. */
  type: MemberKind;
  /** The recipient, canonical. */
  recipient: string;
  /** The recipient's fingerprint. */
  fingerprint: string;
  /** The id of the slot that added it. */
  by: string;
}

/** A key slot read and checked, with the additional data its wrap binds. */
export interface Slot {
  /** The row as stored. */
  row: SlotRow;
  /** The kind, checked. */
  kind: SlotKind;
  /** The KDF, checked against the maxima. */
  kdf: SlotKdf;
  /** The binding factors, checked. */
  factors: BindingFactor[];
  /** The additional data the wrap binds. */
  aad: Uint8Array;
}

const SLOT_KINDS: readonly SlotKind[] = [
  "machine",
  "passphrase",
  "key",
  "member",
];
const MEMBER_KINDS: readonly MemberKind[] = [
  "x25519",
  "mlkem768x25519",
  "ssh-ed25519",
  "ssh-rsa",
];
const ID_BYTES = 4;
const MAX_LABEL_LENGTH = 64;
const HKDF: SlotKdf = { name: "hkdf" };
const encoder = new TextEncoder();

// The layout of a slot's wrap, as format 3 introduced it: later formats
// that leave slots alone keep it, so their slots still unwrap.
const SLOT_LAYOUT = 3;

/** The additional data of a slot's wrap. */
function slotAad(row: SlotRow): Uint8Array {
  const fields = [
    SLOT_LAYOUT,
    row.id,
    row.kind,
    row.kdf,
    encodeBase64(row.salt),
    row.factors,
  ];
  return encoder.encode(`@scope/secrets slot key\0${JSON.stringify(fields)}`);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function readMemberKdf(kdf: Record<string, unknown>): MemberKdf | null {
  const { type, recipient, fingerprint, by } = kdf;
  const kind = MEMBER_KINDS.find((known) => known === type);
  if (
    kind === undefined || typeof recipient !== "string" ||
    typeof fingerprint !== "string" || typeof by !== "string"
  ) {
    return null;
  }
  return { name: "age", type: kind, recipient, fingerprint, by };
}

function readSlotKdf(text: string): SlotKdf | null {
  const kdf = parseJson(text);
  if (typeof kdf !== "object" || kdf === null) return null;
  const { name } = kdf as Record<string, unknown>;
  if (name === "hkdf") return HKDF;
  if (name === "age") return readMemberKdf(kdf as Record<string, unknown>);
  const params = name === "scrypt" ? readKdfParams(kdf) : null;
  return params && { name: "scrypt", ...params };
}

/**
 * Checks a stored slot row: an unknown kind or factor, or KDF parameters
 * that are malformed or above the maxima, is {@linkcode IntegrityError}
 * (before any derivation runs).
 */
export function parseSlot(row: SlotRow, aad = slotAad(row)): Slot {
  const kind = SLOT_KINDS.find((known) => known === row.kind);
  const kdf = readSlotKdf(row.kdf);
  const names = parseJson(row.factors);
  const factors = Array.isArray(names) &&
      names.every((name) => typeof name === "string")
    ? recordedFactors(names)
    : null;
  if (
    kind === undefined || kdf === null || factors === null ||
    (kind === "member") !== (kdf.name === "age")
  ) {
    throw new IntegrityError(
      `key slot ${row.id} is malformed or asks for KDF work above the maxima`,
    );
  }
  return { row, kind, kdf, factors, aad };
}

/**
 * How a slot is described to users.
 *
 * @example Describe a slot to users
 * ```ts
 * import { draftSlot, slotInfo } from "./slot.ts";
 * import assert from "node:assert/strict";
 * assert.equal(slotInfo(draftSlot("key", "ci", [])).kind, "key");
 * ```
 */
export function slotInfo(slot: Slot): SlotInfo {
  const { id, label, created } = slot.row;
  const info: SlotInfo = {
    id,
    kind: slot.kind,
    label,
    created: new Date(created),
  };
  if (slot.kdf.name === "age") {
    return { ...info, fingerprint: slot.kdf.fingerprint };
  }
  return slot.kind === "machine" ? { ...info, factors: slot.factors } : info;
}

/**
 * Checks a slot label, by the rules names follow: at most 64 characters,
 * none of them control or format characters (bidi overrides, zero-width
 * characters: they make a label print as another), NFC-normalised.
 * `undefined` is the empty label.
 */
export function checkLabel(label: unknown): string {
  if (label === undefined) return "";
  if (
    typeof label !== "string" || label.length > MAX_LABEL_LENGTH ||
    /[\p{Cc}\p{Cf}]/u.test(label)
  ) {
    throw new ValidationError(
      `a slot label is a string of at most ${MAX_LABEL_LENGTH} characters, without control or format characters (bidi controls, zero-width characters)`,
    );
  }
  return label.normalize("NFC");
}

/**
 * A new slot of `kind`, not yet wrapping anything: its id, salt and KDF.
 * Full-entropy secrets get HKDF; a passphrase, or a keyfile mixed with
 * guessable factors, gets scrypt; a member slot, its recipient.
 */
export function draftSlot(
  kind: SlotKind,
  label: string,
  factors: readonly BindingFactor[],
  member?: MemberKdf,
): Slot {
  const kdf: SlotKdf = member ??
    (kind === "passphrase" || factors.length > 0
      ? { name: "scrypt", ...DEFAULT_KDF }
      : HKDF);
  const row: SlotRow = {
    id: encodeHex(randomBytes(ID_BYTES)),
    kind,
    label,
    created: Date.now(),
    kdf: JSON.stringify(kdf),
    salt: randomBytes(KEY_BYTES),
    factors: JSON.stringify(factors),
    wrapped: new Uint8Array(),
  };
  return parseSlot(row);
}

/**
 * The secret of a machine slot: the keyfile followed by the values of its
 * binding factors (whose permissions must be granted).
 */
export function machineSecret(
  keyfile: Uint8Array,
  factors: readonly BindingFactor[],
): Uint8Array {
  const facts = readFactors(factors);
  const secret = new Uint8Array(keyfile.length + facts.length);
  secret.set(keyfile);
  secret.set(facts, keyfile.length);
  return secret;
}

/** The secret of a passphrase slot: the passphrase, NFC-normalised, as UTF-8. */
export function passphraseSecret(passphrase: string): Uint8Array {
  return encoder.encode(passphrase.normalize("NFC"));
}

/**
 * Derives a slot's key-encryption key from its secret, and zeroes the
 * secret.
 */
export async function deriveSlotKek(
  slot: Slot,
  secret: Uint8Array,
): Promise<Uint8Array> {
  try {
    if (slot.kdf.name === "age") {
      throw new TypeError("a member slot has no key-encryption key");
    }
    return slot.kdf.name === "hkdf"
      ? hkdf(secret, slot.row.salt, `@scope/secrets slot ${slot.kind}`)
      : await deriveKek(secret, slot.row.salt, slot.kdf);
  } finally {
    secret.fill(0);
  }
}

/** The data key a slot wraps, or `null` when `kek` is not its key. */
export function unwrapSlot(slot: Slot, kek: Uint8Array): Uint8Array | null {
  return decrypt(kek, slot.row.wrapped, slot.aad);
}

/** The slot's row, wrapping `dek` under `kek`. */
export function wrapSlot(
  slot: Slot,
  kek: Uint8Array,
  dek: Uint8Array,
): SlotRow {
  return { ...slot.row, wrapped: encrypt(kek, dek, slot.aad) };
}
