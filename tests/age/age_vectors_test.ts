/**
 * The age format's own test vectors (C2SP CCTV, the `cctv-age` package,
 * which typage runs too), each decrypted through this library's `./age`
 * and judged by its outcome: `success` decrypts (the document parser may
 * then refuse the payload, which is no backup), `no match` is
 * KeyMismatchError, and every header, armor, payload or HMAC failure is
 * IntegrityError.
 *
 * @module
 */

import { assertEquals } from "../_assert.ts";
import { inflateSync } from "node:zlib";
import * as vectors from "cctv-age";
import {
  IntegrityError,
  KeyMismatchError,
  ValidationError,
} from "../../src/errors.ts";
import {
  type AgeUnlock,
  decryptAge,
  generateIdentity,
} from "../../src/age/age.ts";

interface Vector {
  expect: string;
  unlock: AgeUnlock;
  body: Uint8Array;
  armored: boolean;
}

/** A vector's header lines and its file, as the CCTV format lays them out. */
function parse(bytes: Uint8Array): Vector {
  const end = bytes.findIndex((byte, i) =>
    byte === 0x0a && bytes[i + 1] === 0x0a
  );
  const header = new TextDecoder().decode(bytes.subarray(0, end));
  let body = bytes.subarray(end + 2);
  const fields = new Map<string, string[]>();
  for (const line of header.split("\n")) {
    const at = line.indexOf(": ");
    const key = line.slice(0, at);
    fields.set(key, [...fields.get(key) ?? [], line.slice(at + 2)]);
  }
  if (fields.get("compressed")?.[0] === "zlib") body = inflateSync(body);
  const passphrase = fields.get("passphrase")?.[0];
  return {
    expect: fields.get("expect")?.[0] ?? "",
    unlock: passphrase !== undefined
      ? { passphrase }
      : { identities: fields.get("identity") ?? [] },
    body,
    armored: fields.get("armored")?.[0] === "yes",
  };
}

/** The outcome class of decrypting `vector` through `./age`. */
async function outcome(vector: Vector): Promise<string> {
  // A vector that names no identity fails before one matters: any will do.
  const unlock = "identities" in vector.unlock &&
      vector.unlock.identities.length === 0
    ? { identities: [(await generateIdentity()).identity] }
    : vector.unlock;
  const file = vector.armored
    ? new TextDecoder().decode(vector.body)
    : vector.body;
  try {
    await decryptAge(file, unlock);
    return "success";
  } catch (error) {
    if (error instanceof KeyMismatchError) return "no match";
    if (error instanceof IntegrityError) return "failure";
    // Decrypted, but not a backup document: the age layer succeeded.
    if (
      error instanceof ValidationError &&
      /@scope\/secrets export|document/.test(error.message)
    ) {
      return "success";
    }
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
}

const EXPECTED: Record<string, string> = {
  "success": "success",
  "no match": "no match",
  "HMAC failure": "failure",
  "header failure": "failure",
  "armor failure": "failure",
  "payload failure": "failure",
};

Deno.test("every C2SP age test vector decrypts, mismatches or fails as it expects", async () => {
  const wrong: string[] = [];
  const names = Object.keys(vectors);
  for (const name of names) {
    const vector = parse((vectors as Record<string, Uint8Array>)[name]);
    const got = await outcome(vector);
    if (got !== EXPECTED[vector.expect]) {
      wrong.push(`${name}: expected ${vector.expect}, got ${got}`);
    }
  }
  assertEquals(wrong, [], `${wrong.length} of ${names.length} vectors`);
});
