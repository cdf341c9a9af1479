/**
 * The age header read before any recipient stanza is tried: each one tried
 * costs an X25519, ML-KEM or scrypt run, so a header of thousands is
 * refused up front rather than after minutes.
 *
 * @module
 */

import { ValidationError } from "../errors.ts";

const encoder = new TextEncoder();
const STANZA = encoder.encode("-> ");
const HEADER_END = encoder.encode("---");
const NEWLINE = 0x0a;

/**
 * The most recipient stanzas a file may carry: each one this tries costs an
 * X25519, ML-KEM or scrypt run, and a file of thousands would take minutes to
 * refuse. A team backup names one stanza per member.
 *
 * @example The bound a team backup stays under
 * ```ts
 * import { MAX_AGE_STANZAS } from "@scope/secrets/age";
 * import assert from "node:assert/strict";
 * assert.equal(MAX_AGE_STANZAS, 256);
 * ```
 */
export const MAX_AGE_STANZAS = 256;

function startsWith(file: Uint8Array, at: number, prefix: Uint8Array): boolean {
  return prefix.every((byte, i) => file[at + i] === byte);
}

/** Refuses a header of more than {@linkcode MAX_AGE_STANZAS} stanzas before any is tried. */
export function checkStanzas(file: Uint8Array): void {
  let stanzas = 0;
  for (let at = 0; at < file.length;) {
    if (startsWith(file, at, HEADER_END)) return;
    if (startsWith(file, at, STANZA) && ++stanzas > MAX_AGE_STANZAS) {
      throw new ValidationError(
        `the age file has more than ${MAX_AGE_STANZAS} recipient stanzas, the most this tries`,
      );
    }
    const end = file.indexOf(NEWLINE, at);
    if (end === -1) return;
    at = end + 1;
  }
}
