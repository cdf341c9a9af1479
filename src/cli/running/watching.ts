/**
 * What `run --watch` and `inject --watch` share: the changes to the secrets
 * they use, gathered over a debounce window into one batch of names, and
 * the signals that end the watch.
 *
 * @module
 */

import type { SecretChange, SecretsEngine } from "../../../mod.ts";
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
 * A watch of the vault, started when it is made: whatever changes after
 * this call is reported, so a program started, or a file rendered, from
 * values read after it never misses a change made meanwhile.
 */
export interface VaultWatch {
  /** The vault's changes, from the start on. */
  changes: AsyncIterator<SecretChange>;
  /** Ends the watch. */
  stop: AbortController;
}

/** Starts watching every secret of `vault`. */
export function watchVault(vault: SecretsEngine): VaultWatch {
  const stop = new AbortController();
  const changes = vault.watch({ signal: stop.signal })[Symbol.asyncIterator]();
  return { changes, stop };
}

/**
 * Batches of the names among `names` that changed, each batch the changes
 * of one debounce window (from the first change on), until `signal`
 * aborts or the consumer stops. A vault destroyed meanwhile ends it with
 * the engine's error.
 */
export async function* changedNames(
  watch: VaultWatch,
  names: readonly string[],
  debounceMs: number,
  signal: AbortSignal,
): AsyncGenerator<string[], void, undefined> {
  const { changes, stop } = watch;
  const wanted = new Set(names);
  // An ending signal ends the watch itself, which is then waiting for the
  // vault's next change.
  signal.addEventListener("abort", () => stop.abort(), { once: true });
  const watching = AbortSignal.any([signal, stop.signal]);
  // A change the window closed on is kept for the next batch, not lost;
  // a change to a secret not among `names` is passed over.
  const held: { next: Promise<IteratorResult<{ name: string }>> | null } = {
    next: null,
  };
  const next = async (): Promise<IteratorResult<{ name: string }>> => {
    for (;;) {
      const got = await changes.next();
      if (got.done || wanted.has(got.value.name)) return got;
    }
  };
  const nextWanted = () => held.next ??= next();
  try {
    for (;;) {
      const first = await nextWanted();
      held.next = null;
      if (first.done) return;
      const batch = new Set([first.value.name]);
      const window = timeout(debounceMs, watching);
      for (;;) {
        const got = await Promise.race([nextWanted(), window.done]);
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
