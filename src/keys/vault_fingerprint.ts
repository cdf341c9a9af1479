/**
 * A vault's fingerprint: what a teammate reads out so that a first clone
 * need not trust the server. It covers the vault's id and a MAC under the
 * name key, which rotations keep, so it stays the same for the vault's
 * life, and a server that hands out a vault of its own making (another
 * name key) cannot match it:
 *
 * `SHA256:` ‖ unpadded base64 of SHA-256(vault id ‖ HMAC(name key, label))
 *
 * @module
 */

import { hmac } from "../crypto.ts";
import { sha256Fingerprint } from "../recipients/ssh_keys.ts";

/** The HMAC label of the name key's part of the fingerprint. */
export const FINGERPRINT_LABEL = "@scope/secrets vault fingerprint";

/** The fingerprint of the vault `vaultId` whose name key is `nameKey`. */
export function vaultFingerprint(
  vaultId: Uint8Array,
  nameKey: Uint8Array,
): string {
  const proof = hmac(nameKey, new TextEncoder().encode(FINGERPRINT_LABEL));
  const bytes = new Uint8Array(vaultId.length + proof.length);
  bytes.set(vaultId);
  bytes.set(proof, vaultId.length);
  return sha256Fingerprint(bytes);
}
