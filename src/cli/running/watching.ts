/**
 * What `run --watch` and `inject --watch` share: the changes to the secrets
 * they use, gathered over a debounce window into one batch of names, and
 * the signals that end the watch.
 *
 * @module
 */

import type { SecretsEngine } from "../../../mod.ts";
import { parseTtl } from "../options/expiry_flags.ts";
import type { Parsed } from "../command.ts";

/** How long changes are gathered into one batch unless `--debounce` says. */
const DEFAULT_DEBOUNCE_MS = 1000;

/** The signals that end a watch: the CLI then exits 128 + N. */
export const ENDING_SIGNALS: readonly Deno.Signal[] = Deno.build.os ===
    "windows"
  ? ["SIGINT"]
  : ["SIGINT", "SIGTERM", "SIGHUP"];

/** `--debounce D`, in milliseconds. */
export function debounceOf(args: Parsed): number {
  const given = args.values.debounce;
  return given === undefined
    ? DEFAULT_DEBOUNCE_MS
    : parseTtl(given, "--debounce");
}

/** Resolves to `null` after `ms`, or when `signal` aborts; `cancel` stops it. */
function timeout(
  ms: number,
  signal: AbortSignal,
): { done: Promise<null>; cancel(): void } {
  let cancel = () => {};
  const done = new Promise<null>((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", finish);
      resolve(null);
    };
    const timer = setTimeout(finish, ms);
    signal.addEventListener("abort", finish, { once: true });
    cancel = finish;
  });
  return { done, cancel };
}

/**
 * Batches of the names among `names` that changed, each batch the changes
 * of one debounce window (from the first change on), until `signal`
 * aborts or the consumer stops. A vault destroyed meanwhile ends it with
 * the engine's error.
 */
export async function* changedNames(
  vault: SecretsEngine,
  names: readonly string[],
  debounceMs: number,
  signal: AbortSignal,
): AsyncGenerator<string[], void, undefined> {
  const stop = new AbortController();
  const watching = AbortSignal.any([signal, stop.signal]);
  const changes = vault.watch({ names, signal: watching })[
    Symbol.asyncIterator
  ]();
  // A change the window closed on is kept for the next batch, not lost.
  const held: { next: Promise<IteratorResult<{ name: string }>> | null } = {
    next: null,
  };
  const next = () => held.next ??= changes.next();
  try {
    for (;;) {
      const first = await next();
      held.next = null;
      if (first.done) return;
      const batch = new Set([first.value.name]);
      const window = timeout(debounceMs, watching);
      for (;;) {
        const got = await Promise.race([next(), window.done]);
        if (got === null) break;
        held.next = null;
        if (got.done) break;
        batch.add(got.value.name);
      }
      window.cancel();
      if (signal.aborted) return;
      yield [...batch].sort();
    }
  } finally {
    stop.abort();
    await held.next?.catch(() => {});
    await changes.return?.();
  }
}

/**
 * An `AbortSignal` that aborts on the first ending signal, and the signal
 * that came (`null` until one does). `stop()` removes the listeners.
 */
export function endingSignals(): {
  signal: AbortSignal;
  came(): Deno.Signal | null;
  stop(): void;
} {
  const controller = new AbortController();
  let came: Deno.Signal | null = null;
  const listeners = ENDING_SIGNALS.map((name) => {
    const listener = () => {
      came ??= name;
      controller.abort();
    };
    Deno.addSignalListener(name, listener);
    return [name, listener] as const;
  });
  return {
    signal: controller.signal,
    came: () => came,
    stop(): void {
      for (const [name, listener] of listeners) {
        Deno.removeSignalListener(name, listener);
      }
    },
  };
}
