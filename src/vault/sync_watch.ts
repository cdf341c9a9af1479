/**
 * Following the remote: sync on every connect and reconnect, on every
 * hint a push sends (`NOTIFY`: the vault and its revision, never data),
 * and now and then anyway, since a hint sent while disconnected is lost
 * (and does not pass PgBouncer in transaction pooling). A server that goes
 * away is retried with backoff; the watch ends when its signal aborts.
 * What it pulls is written to the local vault, so every `watch()` on this
 * machine (`run --watch`) sees a teammate's change.
 *
 * @module
 */

import { RemoteError, ValidationError } from "../errors.ts";
import type { Remote } from "../remote/remote.ts";
import type { OpenedVault } from "./opened.ts";
import { openRemote, remoteAddress } from "./remote.ts";
import {
  checkSyncOptions,
  type SyncOptions,
  type SyncReport,
  syncWith,
} from "./sync.ts";

/** Options for {@linkcode SecretsEngine.syncWatch}. */
export interface SyncWatchOptions extends SyncOptions {
  /** Ends the watch. */
  signal?: AbortSignal;
  /** Told what each sync did. */
  onSync?: (report: SyncReport) => void;
  /**
   * Told when a round fails because the server is unreachable; the watch
   * retries with backoff. Any other failure ends the watch.
   */
  onError?: (error: RemoteError) => void;
  /** How often to sync with no hint, in milliseconds (default 30 s). */
  pollMs?: number;
}

const DEFAULT_POLL_MS = 30_000;
const FIRST_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;

/** Resolves after `ms`, at `wake`, or when `signal` aborts. */
function pause(
  ms: number,
  signal: AbortSignal,
  wake?: Promise<void>,
): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    wake?.then(done);
  });
}

/** A promise and the function that resolves it, renewed after each wake. */
function hints(): { next(): Promise<void>; hint(): void } {
  let resolve = () => {};
  let pending = new Promise<void>((r) => resolve = r);
  return {
    next: () => pending,
    hint: () => {
      resolve();
      pending = new Promise<void>((r) => resolve = r);
    },
  };
}

function checkWatchOptions(options: SyncWatchOptions): number {
  const { pollMs = DEFAULT_POLL_MS, signal, onSync, onError } = options;
  if (!Number.isSafeInteger(pollMs) || pollMs < 100) {
    throw new ValidationError(
      "pollMs is a whole number of milliseconds, at least 100",
    );
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new ValidationError("signal must be an AbortSignal");
  }
  for (const [name, fn] of Object.entries({ onSync, onError })) {
    if (fn !== undefined && typeof fn !== "function") {
      throw new ValidationError(`${name} must be a function`);
    }
  }
  return pollMs;
}

/** One connection's worth of following: until it fails or the signal. */
async function follow(
  vault: OpenedVault,
  remote: Remote,
  options: SyncWatchOptions,
  signal: AbortSignal,
  pollMs: number,
): Promise<void> {
  const { hint, next } = hints();
  const unlisten = await remote.listen(hint);
  try {
    const plan = checkSyncOptions(options);
    while (!signal.aborted) {
      const woken = next();
      options.onSync?.(await syncWith(vault, remote, plan));
      await pause(pollMs, signal, woken);
    }
  } finally {
    await unlisten().catch(() => {});
  }
}

/**
 * Follows this copy's remote until `options.signal` aborts (see the
 * module). An unreachable server is retried with backoff and told to
 * `onError`; any other failure (a lying server, a removed member) ends
 * the watch with it.
 */
export async function syncWatchVault(
  vault: OpenedVault,
  options: SyncWatchOptions,
): Promise<void> {
  const pollMs = checkWatchOptions(options);
  const { password } = checkSyncOptions(options);
  const address = remoteAddress(vault);
  const signal = options.signal ?? new AbortController().signal;
  let backoff = FIRST_BACKOFF_MS;
  while (!signal.aborted) {
    try {
      await using remote = await openRemote(vault, address, password);
      backoff = FIRST_BACKOFF_MS;
      await follow(vault, remote, options, signal, pollMs);
    } catch (error) {
      const offline = error instanceof RemoteError &&
        error.remedy?.kind === "remote-offline";
      if (!offline) throw error;
      options.onError?.(error);
      await pause(backoff, signal);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }
}
