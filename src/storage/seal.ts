/**
 * The file seal: an HMAC of the bytes of `store.db` after a full
 * checkpoint, kept in `meta.json`, so that an open of a vault exactly as it
 * was closed can skip the O(N) verification.
 *
 * SQLite reads the database through its own file descriptor, which this
 * module cannot reach; it hashes through a descriptor of its own and
 * refuses to vouch for the result unless that is the very file (device and
 * inode) the engine checked before SQLite opened it, unchanged in size from
 * start to end of the hash, and still at its path afterwards.
 *
 * @module
 */

import { join } from "node:path";
import { createHmac } from "node:crypto";
import { encodeBase64 } from "../base64.ts";
import { FILE_MODE, readSmallFile, VAULT_FILES, writeAtomic } from "./files.ts";

const READ_CHUNK = 1 << 20;
const MAX_SEAL_BYTES = 4096;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function sameFile(a: Deno.FileInfo, b: Deno.FileInfo): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/**
 * HMAC of the bytes of the database at `path`, read in chunks so memory
 * stays flat; `null` when the file there is not `expected` (the file the
 * engine checked and SQLite opened) or changed size while being read.
 */
export function hashDatabase(
  sealKey: Uint8Array,
  path: string,
  expected: Deno.FileInfo,
): Uint8Array | null {
  const mac = createHmac("sha256", sealKey);
  using file = Deno.openSync(path, { read: true });
  const before = file.statSync();
  if (!sameFile(before, expected)) return null;
  const chunk = new Uint8Array(READ_CHUNK);
  for (let n = file.readSync(chunk); n !== null; n = file.readSync(chunk)) {
    mac.update(chunk.subarray(0, n));
  }
  const after = file.statSync();
  if (after.size !== before.size || !sameFile(Deno.lstatSync(path), before)) {
    return null;
  }
  return new Uint8Array(mac.digest());
}

/**
 * The seal stored in `meta.json`, or `null` when the file is missing,
 * unreadable, not a regular file or malformed: either way the open path
 * verifies in full and writes it anew.
 */
export function readSeal(dir: string): Uint8Array | null {
  try {
    const bytes = readSmallFile(join(dir, VAULT_FILES.seal), MAX_SEAL_BYTES);
    if (bytes === null) return null;
    const meta = JSON.parse(decoder.decode(bytes));
    if (typeof meta?.seal !== "string") return null;
    return Uint8Array.from(atob(meta.seal), (c) => c.charCodeAt(0));
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) throw error;
    return null;
  }
}

/**
 * Writes the seal to `meta.json` atomically.
 */
export function writeSeal(dir: string, seal: Uint8Array, format: number): void {
  const text = JSON.stringify({
    format,
    seal: encodeBase64(seal),
  });
  writeAtomic(dir, VAULT_FILES.seal, encoder.encode(`${text}\n`), FILE_MODE);
}
