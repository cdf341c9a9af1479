/**
 * age's SSH recipient types, `ssh-ed25519` and `ssh-rsa`, as the age
 * specification and its Go implementation (`agessh`) define them, on the
 * reference library's `Recipient` and `Identity` interfaces (which ship no
 * SSH code). Tested against the real `age` both ways.
 *
 * - `ssh-ed25519`: the Ed25519 key converted to X25519; an ephemeral share;
 *   the shared secret tweaked by X25519 with HKDF(salt = the key's wire
 *   encoding); the file key sealed with ChaCha20-Poly1305 under
 *   HKDF(shared, salt = share ‖ X25519 public key).
 * - `ssh-rsa`: RSA-OAEP with SHA-256 and the label.
 *
 * Each stanza's first argument is a tag, the first four bytes of the
 * SHA-256 of the key's wire encoding, so an identity skips stanzas that are
 * not its own.
 *
 * @module
 */

import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHash,
  privateDecrypt,
  publicEncrypt,
} from "node:crypto";
import { Stanza } from "age-encryption";
import type { Identity, Recipient } from "age-encryption";
import { encodeBase64 } from "../base64.ts";
import { IntegrityError } from "../errors.ts";
import { hkdf, randomBytes } from "../crypto.ts";
import type { SshPrivateKey, SshPublicKey } from "./ssh_keys.ts";
import { x25519, X25519_BYTES, x25519Public } from "./x25519.ts";

const ED25519_LABEL = "age-encryption.org/v1/ssh-ed25519";
const RSA_LABEL = "age-encryption.org/v1/ssh-rsa";
const FILE_KEY_BYTES = 16;
const TAG_BYTES = 4;
const ZERO_NONCE = new Uint8Array(12);
const POLY1305_BYTES = 16;
const encoder = new TextEncoder();

// The prime of Curve25519 and Edwards25519.
const P = 2n ** 255n - 19n;

function base64NoPad(bytes: Uint8Array): string {
  return encodeBase64(bytes).replace(/=+$/, "");
}

function fromBase64NoPad(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]*$/.test(text)) return null;
  try {
    return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
  } catch {
    return null;
  }
}

/** The stanza tag of a key: the first 4 bytes of SHA-256 of its wire form. */
export function sshTag(key: SshPublicKey): string {
  return base64NoPad(
    createHash("sha256").update(key.wire).digest().subarray(0, TAG_BYTES),
  );
}

function littleEndian(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) {
    value = (value << 8n) | BigInt(bytes[i]);
  }
  return value;
}

function power(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  for (let b = base % P, e = exponent; e > 0n; e >>= 1n, b = b * b % P) {
    if (e & 1n) result = result * b % P;
  }
  return result;
}

/** The X25519 u-coordinate of an Ed25519 point: u = (1 + y) / (1 - y). */
export function ed25519ToX25519(point: Uint8Array): Uint8Array {
  const copy = point.slice();
  copy[31] &= 0x7f;
  const y = littleEndian(copy);
  const u = (1n + y) * power((1n - y + P) % P, P - 2n) % P;
  return Uint8Array.from(
    { length: X25519_BYTES },
    (_, i) => Number((u >> BigInt(8 * i)) & 0xffn),
  );
}

/** The X25519 scalar of an Ed25519 seed: the first half of SHA-512(seed). */
function ed25519Scalar(seed: Uint8Array): Uint8Array {
  return new Uint8Array(
    createHash("sha512").update(seed).digest().subarray(0, X25519_BYTES),
  );
}

function seal(key: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const cipher = createCipheriv("chacha20-poly1305", key, ZERO_NONCE, {
    authTagLength: POLY1305_BYTES,
  });
  const body = cipher.update(plaintext);
  cipher.final();
  const out = new Uint8Array(body.length + POLY1305_BYTES);
  out.set(body);
  out.set(cipher.getAuthTag(), body.length);
  return out;
}

function open(key: Uint8Array, sealed: Uint8Array): Uint8Array | null {
  const decipher = createDecipheriv("chacha20-poly1305", key, ZERO_NONCE, {
    authTagLength: POLY1305_BYTES,
  });
  decipher.setAuthTag(sealed.subarray(sealed.length - POLY1305_BYTES));
  try {
    const body = decipher.update(
      sealed.subarray(0, sealed.length - POLY1305_BYTES),
    );
    decipher.final();
    return new Uint8Array(body);
  } catch {
    return null;
  }
}

// The tweaked shared secret and the wrapping key, from both sides' view.
function ed25519WrapKey(
  key: SshPublicKey,
  raw: Uint8Array,
  share: Uint8Array,
  theirs: Uint8Array,
): Uint8Array {
  const tweak = hkdf(new Uint8Array(), key.wire, ED25519_LABEL);
  const shared = x25519(tweak, raw);
  const salt = new Uint8Array(2 * X25519_BYTES);
  salt.set(share);
  salt.set(theirs, X25519_BYTES);
  return hkdf(shared, salt, ED25519_LABEL);
}

/** An `ssh-ed25519` or `ssh-rsa` recipient. */
export class SshRecipient implements Recipient {
  readonly #key: SshPublicKey;

  /** A recipient for `key`. */
  constructor(key: SshPublicKey) {
    this.#key = key;
  }

  /** Wraps the file key in one stanza. */
  wrapFileKey(fileKey: Uint8Array): Stanza[] {
    const key = this.#key;
    if (key.rsa !== undefined) {
      const body = publicEncrypt({
        key: key.rsa,
        padding: constants.RSA_PKCS1_OAEP_PADDING,
        oaepHash: "sha256",
        oaepLabel: encoder.encode(RSA_LABEL),
      }, fileKey);
      return [new Stanza(["ssh-rsa", sshTag(key)], new Uint8Array(body))];
    }
    const theirs = ed25519ToX25519(key.ed25519 ?? new Uint8Array());
    const ephemeral = randomBytes(X25519_BYTES);
    const share = x25519Public(ephemeral);
    const wrapKey = ed25519WrapKey(
      key,
      x25519(ephemeral, theirs),
      share,
      theirs,
    );
    ephemeral.fill(0);
    return [
      new Stanza(
        ["ssh-ed25519", sshTag(key), base64NoPad(share)],
        seal(wrapKey, fileKey),
      ),
    ];
  }
}

/** An `ssh-ed25519` or `ssh-rsa` identity: an SSH private key. */
export class SshIdentity implements Identity {
  readonly #key: SshPrivateKey;
  readonly #tag: string;

  /** An identity for `key`. */
  constructor(key: SshPrivateKey) {
    this.#key = key;
    this.#tag = sshTag(key.publicKey);
  }

  /**
   * The file key from the stanza made for this key; `null` when none is.
   * A stanza with this key's tag that does not open is an
   * {@linkcode IntegrityError}, as the interface asks.
   */
  unwrapFileKey(stanzas: Stanza[]): Uint8Array | null {
    const type = this.#key.publicKey.type;
    for (const stanza of stanzas) {
      if (stanza.args[0] !== type || stanza.args[1] !== this.#tag) continue;
      const fileKey = type === "ssh-rsa"
        ? this.#unwrapRsa(stanza)
        : this.#unwrapEd25519(stanza);
      if (fileKey === null || fileKey.length !== FILE_KEY_BYTES) {
        throw new IntegrityError(
          `an ${type} stanza for this key does not open`,
        );
      }
      return fileKey;
    }
    return null;
  }

  #unwrapRsa(stanza: Stanza): Uint8Array | null {
    if (stanza.args.length !== 2 || this.#key.rsa === undefined) return null;
    try {
      return new Uint8Array(privateDecrypt({
        key: this.#key.rsa,
        padding: constants.RSA_PKCS1_OAEP_PADDING,
        oaepHash: "sha256",
        oaepLabel: encoder.encode(RSA_LABEL),
      }, stanza.body));
    } catch {
      return null;
    }
  }

  #unwrapEd25519(stanza: Stanza): Uint8Array | null {
    const share = fromBase64NoPad(stanza.args[2] ?? "");
    const { seed, publicKey } = this.#key;
    if (
      stanza.args.length !== 3 || share?.length !== X25519_BYTES ||
      stanza.body.length !== FILE_KEY_BYTES + POLY1305_BYTES ||
      seed === undefined || publicKey.ed25519 === undefined
    ) {
      return null;
    }
    const scalar = ed25519Scalar(seed);
    const ours = ed25519ToX25519(publicKey.ed25519);
    const wrapKey = ed25519WrapKey(
      publicKey,
      x25519(scalar, share),
      share,
      ours,
    );
    scalar.fill(0);
    return open(wrapKey, stanza.body);
  }
}
