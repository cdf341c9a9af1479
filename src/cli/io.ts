/**
 * The CLI's input and output: writing that stops quietly when the reader
 * goes away (`secrets export | head`), reading that refuses anything but
 * UTF-8, and reading a user's file with its permission checked first, so
 * Deno never prompts and no raw error reaches the user.
 *
 * @module
 */

import { basename, dirname, resolve } from "node:path";
import { pathExists, writeAtomic } from "../storage/vault_files.ts";
import { Failure } from "./command.ts";

const OUTPUT_MODE = 0o600;

const encoder = new TextEncoder();
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Thrown when stdout's reader has gone; the CLI then exits quietly. */
export class ReaderGone extends Error {}

/** Writes `text` to stdout, whole. */
export function write(text: string): void {
  writeBytes(encoder.encode(text));
}

/** Writes `bytes` to stdout, whole. */
export function writeBytes(bytes: Uint8Array): void {
  try {
    for (let done = 0; done < bytes.length;) {
      done += Deno.stdout.writeSync(bytes.subarray(done));
    }
  } catch (error) {
    if (error instanceof Deno.errors.BrokenPipe) throw new ReaderGone();
    throw error;
  }
}

/** Writes `secrets: text` and a newline to stderr. */
export function warn(text: string): void {
  try {
    Deno.stderr.writeSync(encoder.encode(`secrets: ${text}\n`));
  } catch {
    // Nowhere left to report to.
  }
}

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

/** Reads all of stdin as bytes. */
export async function readStdinBytes(): Promise<Uint8Array> {
  return new Uint8Array(await new Response(Deno.stdin.readable).arrayBuffer());
}

const NEWLINE = 0x0a;

/** The longest line {@linkcode readStdinLine} reads: a key or passphrase. */
const MAX_LINE_BYTES = 4096;

/**
 * Reads stdin's first line, a byte at a time so that nothing after it is
 * consumed: a key piped ahead of a program's input (`run --key-file -`)
 * leaves the rest for the program.
 */
export async function readStdinLine(): Promise<string> {
  const line = new Uint8Array(MAX_LINE_BYTES);
  const byte = new Uint8Array(1);
  let length = 0;
  try {
    while (length < line.length) {
      const n = await Deno.stdin.read(byte);
      if (n === null || byte[0] === NEWLINE) {
        return decodeUtf8(line.slice(0, length), "standard input")
          .replace(/\r$/, "");
      }
      line[length++] = byte[0];
    }
    throw new Failure(
      `the first line of standard input is longer than ${MAX_LINE_BYTES} bytes`,
    );
  } finally {
    line.fill(0);
  }
}

/** Reads all of stdin as UTF-8. */
export async function readStdin(): Promise<string> {
  return decodeUtf8(await readStdinBytes(), "standard input");
}

/**
 * Reads a user's text file (`-` for stdin), naming the flag when Deno has
 * not granted it, and refusing directories and non-UTF-8 content.
 */
export async function readUserFile(path: string): Promise<string> {
  if (path === "-") return await readStdin();
  requireAccess(path, ["read"], `reading ${path}`);
  let bytes: Uint8Array;
  try {
    if (Deno.statSync(path).isDirectory) {
      throw new Failure(`${path} is a directory, not a file`);
    }
    bytes = await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Failure) throw error;
    if (error instanceof Deno.errors.NotFound) {
      throw new Failure(`no such file: ${path}`);
    }
    throw new Failure(`cannot read ${path}: ${(error as Error).message}`);
  }
  return decodeUtf8(bytes, path);
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
 * Reads a user's file as bytes, refusing one larger than `maxBytes` before
 * reading it, and naming the flag when Deno has not granted it.
 */
export async function readUserBytes(
  path: string,
  maxBytes: number,
): Promise<Uint8Array> {
  requireAccess(path, ["read"], `reading ${path}`);
  try {
    const info = await Deno.stat(path);
    if (info.isDirectory) throw new Failure(`${path} is a directory`);
    if (info.size > maxBytes) {
      throw new Failure(`${path} is larger than ${maxBytes} bytes`);
    }
    return await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Failure) throw error;
    if (error instanceof Deno.errors.NotFound) {
      throw new Failure(`no such file: ${path}`);
    }
    throw new Failure(`cannot read ${path}: ${(error as Error).message}`);
  }
}

/**
 * Writes `data` to a user's file with mode 0600, atomically (a temporary
 * file in the same directory, then a rename), so a reader never sees half
 * of it; an existing file is replaced only with `force`.
 */
export function writeUserFile(
  path: string,
  data: string | Uint8Array,
  force: boolean,
): void {
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
  try {
    writeAtomic(dir, basename(full), bytes, OUTPUT_MODE);
  } catch (error) {
    throw new Failure(`cannot write ${path}: ${(error as Error).message}`);
  }
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
