/**
 * Reading a secret at a terminal without echoing it, safely. The terminal
 * is put in raw mode before the question shows, with bracketed paste on, so
 * a pasted value arrives marked and whole: its newlines are part of the
 * value. Enter or Ctrl-D ends the input, Ctrl-C aborts, Ctrl-U clears,
 * Backspace erases a character, and other escape sequences (arrow keys) are
 * dropped, never stored.
 *
 * After Enter, whatever else arrives within a moment (the rest of a
 * multi-line paste from a terminal without bracketed paste) is read too and
 * the input refused: a line left unread would reach the shell after the CLI
 * exits, which would echo it in clear and run it as a command.
 *
 * @module
 */

import { Failure } from "../failures.ts";
import { decodeUtf8, Interrupted, MAX_KEY_FILE_BYTES } from "../io.ts";
import type { Io } from "../streams.ts";

const PASTE_ON = "\x1b[?2004h";
/** Clears the terminal line the cursor is on, to show a typed answer again. */
const ERASE_LINE = "\x1b[2K";
const PASTE_OFF = "\x1b[?2004l";
const PASTE_START = [0x1b, 0x5b, 0x32, 0x30, 0x30, 0x7e]; // ESC [ 2 0 0 ~
const PASTE_END = [0x1b, 0x5b, 0x32, 0x30, 0x31, 0x7e]; // ESC [ 2 0 1 ~
// How long input must stay quiet after Enter for the answer to count as
// one line: a paste arrives within milliseconds, a person types slower.
const QUIET_MS = 150;

const CTRL_C = 0x03;
const CTRL_D = 0x04;
const BACKSPACE = 0x08;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const CTRL_U = 0x15;
const ESC = 0x1b;
const DEL = 0x7f;

const encoder = new TextEncoder();

/** Where a read of the terminal stands. */
interface LineState {
  value: number[];
  pasting: boolean;
  done: boolean;
}

/** Drops the last UTF-8 character: its continuation bytes, then its lead. */
function eraseLastCharacter(bytes: number[]): void {
  while (bytes.length > 0 && (bytes[bytes.length - 1] & 0xc0) === 0x80) {
    bytes.pop();
  }
  bytes.pop();
}

function startsWith(input: number[], at: number, sequence: number[]): boolean {
  return sequence.every((byte, i) => input[at + i] === byte);
}

/**
 * The length of the escape sequence at `at`, or 0 when it is not complete
 * yet: CSI (`ESC [` … final byte), SS3 (`ESC O` x), or ESC and one byte.
 */
function escapeLength(input: number[], at: number): number {
  const kind = input[at + 1];
  if (kind === undefined) return 0;
  if (kind === 0x5b) {
    for (let i = at + 2; i < input.length; i++) {
      if (input[i] >= 0x40 && input[i] <= 0x7e) return i - at + 1;
    }
    return 0;
  }
  if (kind === 0x4f) return input[at + 2] === undefined ? 0 : 3;
  return 2;
}

/**
 * Consumes what it can of `input` from `at`, returning where it stopped:
 * the end, the first byte after the line, or an incomplete escape sequence.
 */
function consume(state: LineState, input: number[], at: number): number {
  while (at < input.length && !state.done) {
    if (state.pasting) {
      if (startsWith(input, at, PASTE_END)) {
        state.pasting = false;
        at += PASTE_END.length;
      } else if (input[at] === ESC && input.length - at < PASTE_END.length) {
        return at;
      } else {
        const byte = input[at++];
        if (byte === CR && input[at] === LF) at++;
        state.value.push(byte === CR ? LF : byte);
      }
      continue;
    }
    const byte = input[at];
    if (byte === ESC) {
      if (startsWith(input, at, PASTE_START)) {
        state.pasting = true;
        at += PASTE_START.length;
        continue;
      }
      const length = escapeLength(input, at);
      if (length === 0) return at;
      at += length;
      continue;
    }
    at++;
    // As the shell would treat it: the command ends, as by SIGINT.
    if (byte === CTRL_C) throw new Interrupted("SIGINT");
    if (byte === CR || byte === LF || byte === CTRL_D) {
      if (byte === CR && input[at] === LF) at++;
      state.done = true;
    } else if (byte === CTRL_U) state.value.length = 0;
    else if (byte === DEL || byte === BACKSPACE) {
      eraseLastCharacter(state.value);
    } else if (byte >= 0x20 || byte === TAB) state.value.push(byte);
  }
  return at;
}

/**
 * Reads stdin in chunks; a read may be given a time limit. One reader
 * serves every prompt on a stdin: a read still pending when one prompt
 * ends (its quiet period) delivers the next prompt's input, not loses it.
 */
function chunkReader(stdin: Io["streams"]["stdin"]): (
  limitMs?: number,
) => Promise<number[] | null | "quiet"> {
  let pending: Promise<number[] | null> | null = null;
  const read = async (): Promise<number[] | null> => {
    const buffer = new Uint8Array(4096);
    const n = await stdin.read(buffer);
    return n === null ? null : [...buffer.subarray(0, n)];
  };
  return async (limitMs) => {
    pending ??= read();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const quiet = limitMs === undefined
      ? new Promise<never>(() => {})
      : new Promise<"quiet">((resolve) => {
        timer = setTimeout(() => resolve("quiet"), limitMs);
      });
    const chunk = await Promise.race([pending, quiet]);
    clearTimeout(timer);
    if (chunk !== "quiet") pending = null;
    return chunk;
  };
}

const sharedReaders = new WeakMap<
  Io["streams"]["stdin"],
  ReturnType<typeof chunkReader>
>();

function sharedReader(stdin: Io["streams"]["stdin"]): ReturnType<
  typeof chunkReader
> {
  let reader = sharedReaders.get(stdin);
  if (reader === undefined) {
    reader = chunkReader(stdin);
    sharedReaders.set(stdin, reader);
  }
  return reader;
}

/**
 * Asks `question` at the terminal and reads the answer without echo (with
 * `echo`, the line is shown as typed: a confirmation). Ctrl-C ends the
 * command as SIGINT would ({@linkcode Interrupted}: exit 130), at every
 * prompt alike. Refuses (with {@linkcode Failure}) input that goes on past
 * the end of the line, and input that is not UTF-8.
 */
export async function promptHidden(
  io: Io,
  question: string,
  echo = false,
): Promise<string> {
  // Raw mode first: input typed or pasted the moment the question shows
  // must not be echoed.
  const { stdin, stderr } = io.streams;
  const say = (text: string) => stderr.writeSync(encoder.encode(text));
  stdin.setRaw(true);
  say(`${PASTE_ON}${question}`);
  const next = sharedReader(stdin);
  const state: LineState = { value: [], pasting: false, done: false };
  try {
    let input: number[] = [];
    while (!state.done) {
      const chunk = await next();
      if (chunk === null || chunk === "quiet") break;
      const combined = [...input, ...chunk];
      input = combined.slice(consume(state, combined, 0));
      if (echo) {
        const typed = new TextDecoder().decode(new Uint8Array(state.value));
        say(`\r${ERASE_LINE}${question}${typed}`);
      }
    }
    // An end-of-input (Ctrl-D) after the line adds nothing; anything else
    // is a line the shell would otherwise read.
    const isContent = (bytes: number[]) => bytes.some((b) => b !== CTRL_D);
    let extra = isContent(input);
    for (let chunk = await next(QUIET_MS); chunk !== "quiet";) {
      if (chunk === null) break;
      extra ||= isContent(chunk);
      chunk = await next(QUIET_MS);
    }
    if (extra) {
      throw new Failure(
        "the input went on after the end of the line (a multi-line paste?): nothing was stored; " +
          "pipe a multi-line value in instead: secrets set NAME < file",
      );
    }
    return decodeUtf8(new Uint8Array(state.value), "the value typed");
  } finally {
    state.value.fill(0);
    say(`${PASTE_OFF}\n`);
    stdin.setRaw(false);
  }
}

/**
 * Asks `question` at the terminal and resolves to whether the answer typed
 * (shown as it is typed) is `yes`; Ctrl-C ends the command with 130, as at
 * every other prompt.
 */
export async function confirmAtTerminal(
  io: Io,
  question: string,
): Promise<boolean> {
  return (await promptHidden(io, `${question} `, true)).trim() === "yes";
}

/**
 * Reads a secret line: at a terminal, with {@linkcode promptHidden} (asked
 * twice when `confirm`, and refused when the two differ); off a terminal,
 * the first line of stdin.
 */
export async function readSecretLine(
  io: Io,
  question: string,
  confirm: boolean,
): Promise<string> {
  if (!io.streams.stdin.isTerminal()) {
    const [line = ""] = (await io.readStdin(MAX_KEY_FILE_BYTES)).split(/\r?\n/);
    return line;
  }
  const secret = await promptHidden(io, question);
  if (!confirm) return secret;
  const again = await promptHidden(io, question.replace(/:\s*$/, " again: "));
  if (again === "" && secret !== "") {
    throw new Failure(
      "nothing was typed the second time (Ctrl-D or Enter): nothing was changed",
    );
  }
  if (again !== secret) {
    throw new Failure("the two entries differ: nothing was changed");
  }
  return secret;
}
