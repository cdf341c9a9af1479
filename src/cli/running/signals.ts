/**
 * Signals for `secrets run`: the number of each (for the shell's 128 + N
 * exit code) and which ones the CLI must pass on to its child.
 *
 * @module
 */

// Linux numbering; where macOS differs it is listed below.
const LINUX: Partial<Record<Deno.Signal, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGSTKFLT: 16,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGURG: 23,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGPROF: 27,
  SIGWINCH: 28,
  SIGIO: 29,
  SIGPOLL: 29,
  SIGPWR: 30,
  SIGSYS: 31,
};

const DARWIN: Partial<Record<Deno.Signal, number>> = {
  ...LINUX,
  SIGBUS: 10,
  SIGUSR1: 30,
  SIGUSR2: 31,
  SIGSYS: 12,
  SIGURG: 16,
  SIGSTOP: 17,
  SIGTSTP: 18,
  SIGCONT: 19,
  SIGCHLD: 20,
  SIGIO: 23,
  SIGINFO: 29,
};

/**
 * The number of `signal` on this operating system.
 *
 * @example Look up a signal's number
 * ```ts
 * import { signalNumber } from "./signals.ts";
 * import assert from "node:assert/strict";
 * assert.equal(signalNumber("SIGTERM"), 15);
 * ```
 */
export function signalNumber(signal: Deno.Signal): number {
  const table = Deno.build.os === "darwin" ? DARWIN : LINUX;
  return table[signal] ?? 0;
}

// A terminal sends these to its whole foreground process group, the child
// included: passing them on would deliver each twice.
const TERMINAL_SIGNALS: readonly Deno.Signal[] = ["SIGINT", "SIGQUIT"];
const OTHER_SIGNALS: readonly Deno.Signal[] = ["SIGTERM", "SIGHUP"];

/**
 * Whether the CLI passes `signal` on to its child: only when it was sent to
 * the CLI alone. At a terminal, Ctrl-C and Ctrl-\ already reach the child
 * from the terminal, so only `SIGTERM` and `SIGHUP` are passed on; with no
 * terminal (a service manager, `timeout`), `SIGINT` and `SIGQUIT` are too.
 */
function isForwarded(signal: Deno.Signal, atTerminal: boolean): boolean {
  return !atTerminal || !TERMINAL_SIGNALS.includes(signal);
}

/**
 * Until the returned function is called, the CLI outlives the signals a
 * program is commonly stopped with, so that it can wait for its child and
 * return its exit code; each is passed on where {@linkcode isForwarded}.
 */
export function forwardSignals(
  child: Deno.ChildProcess,
  atTerminal: boolean,
): () => void {
  if (Deno.build.os === "windows") return () => {};
  const handlers = [...TERMINAL_SIGNALS, ...OTHER_SIGNALS].map((signal) => {
    const handler = () => {
      if (!isForwarded(signal, atTerminal)) return;
      try {
        child.kill(signal);
      } catch {
        // The child has already exited.
      }
    };
    Deno.addSignalListener(signal, handler);
    return [signal, handler] as const;
  });
  return () => {
    for (const [signal, handler] of handlers) {
      Deno.removeSignalListener(signal, handler);
    }
  };
}
