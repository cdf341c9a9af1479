/**
 * The CLI's files: reading that refuses anything but UTF-8 and stops at a
 * bound, reading a user's file with its permission checked first (so Deno
 * never prompts and no raw error reaches the user), and writing one
 * atomically with mode 0600. (The standard streams are `streams.ts`.)
 *
 * @module
 */

import { basename, dirname, join, resolve } from "node:path";
import { pathExists, writeAtomic } from "../storage/files.ts";
import { Failure } from "./failures.ts";

const OUTPUT_MODE = 0o600;

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Decodes UTF-8, refusing invalid input instead of replacing it. */
export function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new Failure(
      `${what} is not valid UTF-8 text: nothing was stored (to store bytes: secrets set NAME --file FILE, or --file - for stdin)`,
    );
  }
}

/**
 * The most a file or stream the CLI reads whole may hold: the age file cap,
 * above any dotenv file, template or backup it reads. Reading stops one
 * byte past it, so `/dev/zero` is refused, not read until memory runs out.
 */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

/** The most a key, passphrase, identity or recipients file may hold. */
export const MAX_KEY_FILE_BYTES = 64 * 1024;

/**
 * Reads `stream` whole, stopping one chunk past `maxBytes`: more is a
 * {@linkcode Failure} saying so, however the source reports its size.
 */
export async function readBounded(
  stream: ReadableStream<Uint8Array>,
  maxBytes: number,
  what: string,
): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (
      let next = await reader.read();
      !next.done;
      next = await reader.read()
    ) {
      total += next.value.length;
      if (total > maxBytes) {
        for (const chunk of chunks) chunk.fill(0);
        next.value.fill(0);
        throw new Failure(
          `${what} is larger than ${maxBytes} bytes, the most this reads`,
        );
      }
      chunks.push(next.value);
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
    chunk.fill(0);
  }
  return bytes;
}

/**
 * Reads a user's text file, at most `maxBytes` of it, naming the flag when
 * Deno has not granted it, and refusing directories and non-UTF-8 content.
 */
export async function readUserFile(
  path: string,
  maxBytes = MAX_INPUT_BYTES,
): Promise<string> {
  return decodeUtf8(await readUserBytes(path, maxBytes), path);
}

function requireAccess(
  path: string,
  names: readonly ("read" | "write")[],
  what: string,
): void {
  const missing = names.filter((name) =>
    Deno.permissions.querySync({ name, path }).state !== "granted"
  );
  if (missing.length > 0) {
    throw new Failure(
      `${what} needs ${
        missing.map((name) => `--allow-${name}=${path}`).join(" ")
      }`,
    );
  }
}

/**
 * Reads a user's file as bytes, at most `maxBytes` of them (read, never
 * trusted from its size), naming the flag when Deno has not granted it.
 */
export async function readUserBytes(
  path: string,
  maxBytes: number,
): Promise<Uint8Array> {
  requireAccess(path, ["read"], `reading ${path}`);
  try {
    using file = await Deno.open(path, { read: true });
    if ((await file.stat()).isDirectory) {
      throw new Failure(`${path} is a directory, not a file`);
    }
    return await readBounded(file.readable, maxBytes, path);
  } catch (error) {
    if (error instanceof Failure) throw error;
    if (error instanceof Deno.errors.NotFound) {
      throw new Failure(`no such file: ${path}`);
    }
    throw new Failure(`cannot read ${path}: ${(error as Error).message}`);
  }
}

/** Thrown when a signal came during a write that was finished first. */
export class Interrupted extends Error {
  /**
   * Makes the error.
   *
   * @param signal The signal that came.
   */
  constructor(readonly signal: Deno.Signal) {
    super(`interrupted by ${signal}`);
  }
}

const ENDING_SIGNALS: readonly Deno.Signal[] = Deno.build.os === "windows"
  ? ["SIGINT"]
  : ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * Removes the temporary files an interrupted write of `name` left in
 * `dir` (`name.<16 hex>.tmp`, as `writeAtomic` names them): they may hold
 * a secret in clear.
 */
function removeStaleTemps(dir: string, name: string): void {
  const escaped = name.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");
  const temp = new RegExp(`^${escaped}\\.[0-9a-f]{16}\\.tmp$`);
  for (const entry of Deno.readDirSync(dir)) {
    if (entry.isFile && temp.test(entry.name)) {
      Deno.removeSync(join(dir, entry.name));
    }
  }
}

/**
 * Writes `data` to a user's file with mode 0600, atomically (a temporary
 * file in the same directory, then a rename), so a reader never sees half
 * of it; an existing file is replaced only with `force`. A signal that
 * comes meanwhile is held until the rename is done, so no temporary file
 * is left holding a secret; it then ends the CLI as
 * {@linkcode Interrupted}. Temporary files an earlier run left are removed
 * first.
 */
export async function writeUserFile(
  path: string,
  data: string | Uint8Array,
  force: boolean,
): Promise<void> {
  const full = resolve(path);
  const dir = dirname(full);
  // Read, to see whether the file exists; write, for the temporary file.
  requireAccess(dir, ["read", "write"], `writing ${path}`);
  if (pathExists(full) && !force) {
    throw new Failure(`${path} exists: pass --force to replace it`);
  }
  const bytes = typeof data === "string"
    ? new TextEncoder().encode(data)
    : data;
  let came: Deno.Signal | null = null;
  const listeners = ENDING_SIGNALS.map((signal) => {
    const listener = () => {
      came ??= signal;
    };
    Deno.addSignalListener(signal, listener);
    return [signal, listener] as const;
  });
  try {
    removeStaleTemps(dir, basename(full));
    writeAtomic(dir, basename(full), bytes, OUTPUT_MODE);
    // A signal that came during the write reaches its listener now.
    await new Promise((resolve) => setTimeout(resolve, 0));
  } catch (error) {
    throw new Failure(`cannot write ${path}: ${(error as Error).message}`);
  } finally {
    for (const [signal, listener] of listeners) {
      Deno.removeSignalListener(signal, listener);
    }
  }
  if (came !== null) throw new Interrupted(came);
}

/**
 * Reads a secret from the environment variable `name` (given with `flag`),
 * naming the `--allow-env` flag when it is not granted, and removes it from
 * this process's environment so no program `run` starts inherits it.
 */
export function takeEnvSecret(flag: string, name: string): string {
  const access = Deno.permissions.querySync({ name: "env", variable: name });
  if (access.state !== "granted") {
    throw new Failure(`${flag} ${name} needs --allow-env=${name}`);
  }
  const value = Deno.env.get(name);
  if (!value) throw new Failure(`the variable ${name} is not set`);
  Deno.env.delete(name);
  return value;
}

/** What the operating system's error codes mean, in the CLI's words. */
const OS_FAILURES: Record<string, string> = {
  ENOSPC: "the disk is full",
  EDQUOT: "the disk quota is used up",
  EROFS: "the storage is read-only",
  EIO: "the operating system reported an I/O error",
  EPIPE: "the output was closed",
};

/**
 * An error the operating system raised outside the vault (writing the
 * output to a full disk, say) as a {@linkcode Failure} in the words every
 * other storage failure has, or `null` when `error` is not one.
 *
 * @example Word a full disk as the CLI does
 * ```ts
 * import { osFailure } from "./io.ts";
 * import assert from "node:assert/strict";
 * const full = Object.assign(new Error("No space left on device"), { code: "ENOSPC" });
 * assert.equal(osFailure(full)?.message, "the disk is full: the command could not finish writing");
 * assert.equal(osFailure(new Error("other")), null);
 * ```
 */
export function osFailure(error: unknown): Failure | null {
  const code = (error as { code?: unknown } | null)?.code;
  const meaning = typeof code === "string" && Object.hasOwn(OS_FAILURES, code)
    ? OS_FAILURES[code]
    : null;
  return meaning === null
    ? null
    : new Failure(`${meaning}: the command could not finish writing`);
}
