/**
 * A command's standard streams, passed to it in its context: the process's
 * own when `secrets` runs, a test's when it calls `main` in-process.
 * Writing stops quietly when the reader goes away (`secrets export | head`);
 * reading refuses anything but UTF-8 and stops at a bound.
 *
 * @module
 */

import { Failure } from "./failures.ts";
import {
  decodeUtf8,
  MAX_INPUT_BYTES,
  MAX_KEY_FILE_BYTES,
  readBounded,
  readUserFile,
} from "./io.ts";

/**
 * The standard streams a command reads and writes, as Deno gives them;
 * give `main` others to capture what a command prints.
 *
 * @example Capturing the version line
 * ```ts
 * import { main, type Streams } from "@scope/secrets/cli";
 * import assert from "node:assert/strict";
 * const chunks: Uint8Array[] = [];
 * const streams: Streams = {
 *   stdin: Deno.stdin,
 *   stdout: {
 *     writeSync: (bytes) => chunks.push(bytes.slice()) && bytes.length,
 *     writable: new WritableStream(),
 *     isTerminal: () => false,
 *   },
 *   stderr: Deno.stderr,
 * };
 * assert.equal(await main(["--version"], streams), 0);
 * assert.match(new TextDecoder().decode(chunks[0]), /^secrets /);
 * ```
 */
export interface Streams {
  /** Standard input. */
  stdin: Pick<typeof Deno.stdin, "readable" | "read" | "isTerminal" | "setRaw">;
  /** Standard output. */
  stdout: Pick<typeof Deno.stdout, "writeSync" | "writable" | "isTerminal">;
  /** Standard error. */
  stderr: Pick<typeof Deno.stderr, "writeSync" | "writable" | "isTerminal">;
}

/** The process's own standard streams. */
export const PROCESS_STREAMS: Streams = {
  stdin: Deno.stdin,
  stdout: Deno.stdout,
  stderr: Deno.stderr,
};

/** Thrown when stdout's reader has gone; the CLI then exits quietly. */
export class ReaderGone extends Error {}

/** A command's input and output on its streams. */
export interface Io {
  /** The streams themselves, for a terminal check or a pipe. */
  streams: Streams;
  /** Writes `text` to stdout, whole. */
  write(text: string): void;
  /** Writes `bytes` to stdout, whole. */
  writeBytes(bytes: Uint8Array): void;
  /** Writes `secrets: text` and a newline to stderr. */
  warn(text: string): void;
  /** Writes `text` to stderr as it is (workflow commands for a CI). */
  writeErr(text: string): void;
  /** Reads stdin as bytes, at most `maxBytes` of them. */
  readStdinBytes(maxBytes?: number): Promise<Uint8Array>;
  /** Reads stdin as UTF-8, at most `maxBytes` of it. */
  readStdin(maxBytes?: number): Promise<string>;
  /**
   * Reads stdin's first line, a byte at a time so that nothing after it is
   * consumed: a key piped ahead of a program's input (`run --key-file -`)
   * leaves the rest for the program.
   */
  readStdinLine(): Promise<string>;
  /** Reads a user's text file, or stdin for `-`, at most `maxBytes` of it. */
  readText(path: string, maxBytes?: number): Promise<string>;
}

const encoder = new TextEncoder();
const NEWLINE = 0x0a;

/**
 * The input and output of a command on `streams`.
 *
 * @example Write to a stream a test holds
 * ```ts
 * import { commandIo, PROCESS_STREAMS } from "./streams.ts";
 * import assert from "node:assert/strict";
 * const written: Uint8Array[] = [];
 * const io = commandIo({
 *   ...PROCESS_STREAMS,
 *   stdout: { ...PROCESS_STREAMS.stdout, writeSync: (bytes) => written.push(bytes.slice()) && bytes.length },
 * });
 * io.write("hello");
 * assert.equal(new TextDecoder().decode(written[0]), "hello");
 * ```
 */
export function commandIo(streams: Streams): Io {
  const { stdin, stdout, stderr } = streams;

  function writeBytes(bytes: Uint8Array): void {
    try {
      for (let done = 0; done < bytes.length;) {
        done += stdout.writeSync(bytes.subarray(done));
      }
    } catch (error) {
      if (error instanceof Deno.errors.BrokenPipe) throw new ReaderGone();
      throw error;
    }
  }

  function readStdinBytes(maxBytes = MAX_INPUT_BYTES): Promise<Uint8Array> {
    return readBounded(stdin.readable, maxBytes, "standard input");
  }

  async function readStdin(maxBytes = MAX_INPUT_BYTES): Promise<string> {
    return decodeUtf8(await readStdinBytes(maxBytes), "standard input");
  }

  async function readStdinLine(): Promise<string> {
    const line = new Uint8Array(MAX_KEY_FILE_BYTES);
    const byte = new Uint8Array(1);
    let length = 0;
    try {
      while (length < line.length) {
        const n = await stdin.read(byte);
        if (n === null || byte[0] === NEWLINE) {
          return decodeUtf8(line.slice(0, length), "standard input")
            .replace(/\r$/, "");
        }
        line[length++] = byte[0];
      }
      throw new Failure(
        `the first line of standard input is longer than ${MAX_KEY_FILE_BYTES} bytes`,
      );
    } finally {
      line.fill(0);
    }
  }

  return {
    streams,
    write: (text) => writeBytes(encoder.encode(text)),
    writeBytes,
    warn(text): void {
      try {
        stderr.writeSync(encoder.encode(`secrets: ${text}\n`));
      } catch {
        // Nowhere left to report to.
      }
    },
    writeErr(text): void {
      const bytes = encoder.encode(text);
      for (let at = 0; at < bytes.length;) {
        at += stderr.writeSync(bytes.subarray(at));
      }
    },
    readStdinBytes,
    readStdin,
    readStdinLine,
    readText: (path, maxBytes = MAX_INPUT_BYTES) =>
      path === "-" ? readStdin(maxBytes) : readUserFile(path, maxBytes),
  };
}
