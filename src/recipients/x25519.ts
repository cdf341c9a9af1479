/**
 * X25519 through `node:crypto`, on raw 32-byte scalars and u-coordinates
 * (RFC 7748): the curve under age's X25519 and ssh-ed25519 stanzas and
 * under a vault copy's own key.
 *
 * @module
 */

import {
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  type KeyObject,
} from "node:crypto";
import { Buffer } from "node:buffer";
import { IntegrityError } from "../errors.ts";

// The fixed DER prefixes of an X25519 private key (PKCS #8) and public key
// (SPKI): each is followed by the 32 raw bytes.
const PRIVATE_PREFIX = Buffer.from("302e020100300506032b656e04220420", "hex");
const PUBLIC_PREFIX = Buffer.from("302a300506032b656e032100", "hex");

/** The length of a scalar and of a u-coordinate. */
export const X25519_BYTES = 32;

function der(prefix: Uint8Array, raw: Uint8Array): Buffer {
  return Buffer.concat([prefix, raw]);
}

function privateKey(scalar: Uint8Array): KeyObject {
  return createPrivateKey({
    key: der(PRIVATE_PREFIX, scalar),
    format: "der",
    type: "pkcs8",
  });
}

/** The public u-coordinate of `scalar`. */
export function x25519Public(scalar: Uint8Array): Uint8Array {
  const spki = createPublicKey(privateKey(scalar))
    .export({ format: "der", type: "spki" });
  return Uint8Array.from(spki.subarray(PUBLIC_PREFIX.length));
}

/**
 * X25519(`scalar`, `u`). An all-zero result (a low-order point) is
 * {@linkcode IntegrityError}, as age requires.
 */
export function x25519(scalar: Uint8Array, u: Uint8Array): Uint8Array {
  if (u.length !== X25519_BYTES) {
    throw new IntegrityError("an X25519 share is not 32 bytes");
  }
  const publicKey = createPublicKey({
    key: der(PUBLIC_PREFIX, u),
    format: "der",
    type: "spki",
  });
  let shared: Uint8Array;
  try {
    shared = new Uint8Array(
      diffieHellman({ privateKey: privateKey(scalar), publicKey }),
    );
  } catch {
    shared = new Uint8Array(X25519_BYTES);
  }
  if (shared.every((byte) => byte === 0)) {
    throw new IntegrityError("an X25519 share is a low-order point");
  }
  return shared;
}
