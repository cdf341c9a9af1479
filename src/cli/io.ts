/**
 * The CLI's input and output: writing that stops quietly when the reader
 * goes away (`secrets export | head`), reading that refuses anything but
 * UTF-8, and reading a user's file with its permission checked first, so
 * Deno never prompts and no raw error reaches the user.
 *
 * @module
 */

import { Failure } from "./command.ts";

const encoder = new TextEncoder();
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Thrown when stdout's reader has gone; the CLI then exits quietly. */
export class ReaderGone extends Error {}

/** Writes `text` to stdout, whole. */
export function write(text: string): void {
  const bytes = encoder.encode(text);
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
      `${what} is not valid UTF-8 text: nothing was stored (binary values are not supported yet)`,
    );
  }
}

/** Reads all of stdin as UTF-8. */
export async function readStdin(): Promise<string> {
  const bytes = new Uint8Array(
    await new Response(Deno.stdin.readable).arrayBuffer(),
  );
  return decodeUtf8(bytes, "standard input");
}

/**
 * Reads a user's text file (`-` for stdin), naming the flag when Deno has
 * not granted it, and refusing directories and non-UTF-8 content.
 */
export async function readUserFile(path: string): Promise<string> {
  if (path === "-") return await readStdin();
  const access = Deno.permissions.querySync({ name: "read", path });
  if (access.state !== "granted") {
    throw new Failure(`reading ${path} needs --allow-read=${path}`);
  }
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
