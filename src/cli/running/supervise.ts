/**
 * `run --watch`: the program runs, and when a secret it received changes,
 * it is restarted with the new environment (SIGTERM, a grace period, then
 * SIGKILL) or sent the signal it reloads on. Changes within the debounce
 * window make one restart. The program exiting on its own ends the run
 * with its code; a signal that ends the CLI is passed on as `run` passes
 * it, and the run ends when the program does.
 *
 * @module
 */

import { EXIT } from "../failures.ts";
import { exitCode, type Running } from "./program.ts";
import { signalNumber } from "./signals.ts";
import type { Io } from "../streams.ts";
import { changedNames, endingSignals, type VaultWatch } from "./watching.ts";

/** What `--watch` does on a change: restart, or send a signal. */
export type WatchMode = { restart: true } | { signal: Deno.Signal };

/** What {@linkcode superviseWatching} runs and watches. */
export interface Supervision {
  /** Where it reports each restart. */
  io: Io;
  /** The watch of the vault, started before the program's secrets were read. */
  watch: VaultWatch;
  /** The secrets the program received. */
  names: readonly string[];
  /** What a change does. */
  mode: WatchMode;
  /** How long changes are gathered into one restart. */
  debounceMs: number;
  /** The program as first started, or its exit code if it did not start. */
  started: Running | number;
  /** Starts it again, with the secrets as they are now. */
  launch(): Promise<Running | number>;
  /** The program's name, for the notices. */
  program: string;
}

/** How long a restarted program has to exit after SIGTERM. */
const GRACE_MS = 5000;

/** Stops `running`: SIGTERM, then SIGKILL after the grace period. */
async function stop(running: Running): Promise<void> {
  try {
    running.child.kill("SIGTERM");
  } catch {
    return;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const grace = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), GRACE_MS);
  });
  const outcome = await Promise.race([running.done, grace]);
  clearTimeout(timer);
  if (outcome === "late") {
    try {
      running.child.kill("SIGKILL");
    } catch {
      // It exited at the last moment.
    }
  }
  await running.done;
}

/**
 * Runs the program until it exits on its own, restarting it (or signalling
 * it) each time a secret it received changes; resolves to its exit code.
 */
export async function superviseWatching(options: Supervision): Promise<number> {
  const { io, mode, program } = options;
  let running = options.started;
  if (typeof running === "number") return running;
  const ending = endingSignals();
  // The watch ends with the run, however the run ends.
  const done = new AbortController();
  const batches = changedNames(
    options.watch,
    options.names,
    options.debounceMs,
    AbortSignal.any([ending.signal, done.signal]),
  );
  try {
    let next = batches.next();
    for (;;) {
      const current: Running = running;
      const event = await Promise.race([
        current.done.then((status) => ({ status })),
        next.then((batch) => ({ batch })),
      ]);
      if ("status" in event) return exitCode(event.status);
      if (event.batch.done) return exitCode(await current.done);
      next = batches.next();
      const changed = event.batch.value.join(", ");
      if ("signal" in mode) {
        io.warn(`${changed} changed: sent ${mode.signal} to ${program}`);
        try {
          current.child.kill(mode.signal);
        } catch {
          // It exited meanwhile: the next turn returns its code.
        }
        continue;
      }
      io.warn(`${changed} changed: restarting ${program}`);
      await stop(current);
      // A signal that came while the program was stopping ends the run
      // as that signal would have: no program is started again.
      const came = ending.came();
      if (came !== null) return EXIT.signalBase + signalNumber(came);
      running = await options.launch();
      if (typeof running === "number") return running;
    }
  } catch (error) {
    // The watch failed (the vault destroyed, say): the program it kept
    // current is stopped, not left running on its own.
    if (typeof running !== "number") await stop(running);
    throw error;
  } finally {
    ending.stop();
    done.abort();
    await batches.return();
  }
}
