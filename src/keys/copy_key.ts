/**
 * The key of one copy of a vault (format 6). The slots that belong to one
 * copy (keyfile, passphrase, recovery key) wrap a 32-byte copy secret; the
 * copy secret gives an X25519 key pair; the data key and the name key are
 * wrapped to that pair's public half, which `meta` keeps. So a rotation of
 * the data key, made through any slot or member, rewraps them for this
 * copy without asking for a passphrase, and a member, who never holds the
 * copy secret, cannot read a data key made after its removal.
 *
 * The wrap: an ephemeral X25519 share, then AES-256-GCM under
 * HKDF-SHA256(shared, salt = share ‖ public, {@linkcode COPY_WRAP_LABEL}),
 * binding the vault's id as additional data.
 *
 * @module
 */

import { decrypt, encrypt, hkdf, KEY_BYTES, randomBytes } from "../crypto.ts";
import { IntegrityError } from "../errors.ts";
import type { CopyRecord } from "../storage/meta_table.ts";
import { x25519, X25519_BYTES, x25519Public } from "../recipients/x25519.ts";
import { bech32 } from "../recipients/bech32.ts";

/** The HKDF label that makes a copy's X25519 key from its secret. */
export const COPY_KEY_LABEL = "@scope/secrets copy key";

/** The HKDF label of a copy wrap's key, and its additional data's prefix. */
export const COPY_WRAP_LABEL = "@scope/secrets copy wrap";

/** The length of a vault's random id. */
export const VAULT_ID_BYTES = 16;

const encoder = new TextEncoder();

/** The keys every slot ultimately opens: the data key and the name key. */
export interface VaultKeys {
  /** The data key of the current epoch: values, MACs, the tag. */
  dek: Uint8Array;
  /** The name-hash key, made once per vault and kept through rotations. */
  nameKey: Uint8Array;
}

/** The two keys as one 64-byte string, as slots wrap them. */
export function packKeys(keys: VaultKeys): Uint8Array {
  const packed = new Uint8Array(2 * KEY_BYTES);
  packed.set(keys.dek);
  packed.set(keys.nameKey, KEY_BYTES);
  return packed;
}

/** The two keys of a 64-byte string; `null` when it is not 64 bytes. */
export function unpackKeys(packed: Uint8Array): VaultKeys | null {
  if (packed.length !== 2 * KEY_BYTES) return null;
  return {
    dek: packed.slice(0, KEY_BYTES),
    nameKey: packed.slice(KEY_BYTES),
  };
}

/** The X25519 scalar a copy secret gives, in the vault `vaultId`. */
function copyScalar(secret: Uint8Array, vaultId: Uint8Array): Uint8Array {
  return hkdf(secret, vaultId, COPY_KEY_LABEL);
}

/** The public key a copy secret gives, which `meta` keeps. */
export function copyRecipient(
  secret: Uint8Array,
  vaultId: Uint8Array,
): Uint8Array {
  const scalar = copyScalar(secret, vaultId);
  try {
    return x25519Public(scalar);
  } finally {
    scalar.fill(0);
  }
}

function wrapAad(vaultId: Uint8Array): Uint8Array {
  const label = encoder.encode(`${COPY_WRAP_LABEL}\0`);
  const aad = new Uint8Array(label.length + vaultId.length);
  aad.set(label);
  aad.set(vaultId, label.length);
  return aad;
}

function wrapKey(
  shared: Uint8Array,
  share: Uint8Array,
  to: Uint8Array,
): Uint8Array {
  const salt = new Uint8Array(2 * X25519_BYTES);
  salt.set(share);
  salt.set(to, X25519_BYTES);
  return hkdf(shared, salt, COPY_WRAP_LABEL);
}

/** `keys` wrapped to the copy whose public key is `recipient`. */
export function wrapToCopy(
  recipient: Uint8Array,
  vaultId: Uint8Array,
  keys: VaultKeys,
): Uint8Array {
  const ephemeral = randomBytes(X25519_BYTES);
  const share = x25519Public(ephemeral);
  const key = wrapKey(x25519(ephemeral, recipient), share, recipient);
  ephemeral.fill(0);
  const packed = packKeys(keys);
  const sealed = encrypt(key, packed, wrapAad(vaultId));
  packed.fill(0);
  key.fill(0);
  const wrap = new Uint8Array(X25519_BYTES + sealed.length);
  wrap.set(share);
  wrap.set(sealed, X25519_BYTES);
  return wrap;
}

/**
 * The keys a copy wrap holds, opened with the copy secret; a wrap that
 * does not open is {@linkcode IntegrityError}: the slot opened, so the
 * wrap or the vault id was altered.
 */
export function unwrapCopy(
  secret: Uint8Array,
  vaultId: Uint8Array,
  wrap: Uint8Array,
): VaultKeys {
  const scalar = copyScalar(secret, vaultId);
  const share = wrap.subarray(0, X25519_BYTES);
  try {
    const key = wrapKey(x25519(scalar, share), share, x25519Public(scalar));
    const packed = decrypt(key, wrap.subarray(X25519_BYTES), wrapAad(vaultId));
    key.fill(0);
    const keys = packed && unpackKeys(packed);
    packed?.fill(0);
    if (keys) return keys;
  } finally {
    scalar.fill(0);
  }
  throw new IntegrityError(
    "the slot that opened unwraps to a key that is not this vault's: a slot was substituted, or the copy's wrapped data key or the vault id was altered",
    { remedy: { kind: "recover" } },
  );
}

/**
 * A copy record for the copy whose secret is `secret`: its public key and
 * `keys` wrapped to it.
 */
/** This copy's key as an age X25519 identity and recipient. */
export interface CopyMemberKey {
  /** `AGE-SECRET-KEY-1…`. */
  identity: string;
  /** `age1…`. */
  recipient: string;
}

/**
 * This copy's key as age writes an X25519 key: what a replica registers as
 * a member of its own (`LABEL/HOST`), so that it opens later epochs
 * unattended, with the key its local slots already keep.
 */
export function copyMemberKey(
  secret: Uint8Array,
  vaultId: Uint8Array,
): CopyMemberKey {
  const scalar = copyScalar(secret, vaultId);
  try {
    return {
      identity: bech32("age-secret-key-", scalar).toUpperCase(),
      recipient: bech32("age", x25519Public(scalar)),
    };
  } finally {
    scalar.fill(0);
  }
}

export function copyRecordFor(
  secret: Uint8Array,
  vaultId: Uint8Array,
  keys: VaultKeys,
): CopyRecord {
  const recipient = copyRecipient(secret, vaultId);
  return { vaultId, recipient, wrap: wrapToCopy(recipient, vaultId, keys) };
}
