/**
 * Watching a vault for changes any process makes: a poll of SQLite's
 * `data_version` (another connection committed) and of this connection's
 * change count while a watch is waiting, and, when either moved or a
 * watched secret's expiry passed, one read of every entry's name hash,
 * version and expiry, diffed against the last. Nothing runs
 * between polls, and nothing at all once the watch ends: the only timer is
 * the one the watch is waiting on.
 *
 * @module
 */

import { ValidationError } from "../errors.ts";
import { isLive } from "../rules/expiry.ts";
import { compileGlob } from "../rules/glob.ts";
import { validateName, validatePattern } from "../rules/validate.ts";
import type { OpenedVault } from "./opened.ts";
import { checkStillOpen } from "../storage/integrity.ts";

/** What happened to a secret, as {@linkcode SecretsEngine.watch} reports it. */
export interface SecretChange {
  /** The secret's name. */
  name: string;
  /**
   * `set` (a new value, a revert or an import), `deleted` (or purged), or
   * `expired` (its expiry passed).
   */
  change: "set" | "deleted" | "expired";
  /** The new version, for `set`. */
  version?: number;
}

/** What {@linkcode SecretsEngine.watch} watches, and until when. */
export interface WatchOptions {
  /**
   * The secrets to watch: a list of names, or a glob pattern as `keys()`
   * takes; all of them without it.
   */
  names?: readonly string[] | string;
  /** Ends the watch when aborted. */
  signal?: AbortSignal;
}

/** How often a watch looks at the vault: a change shows within this. */
export const WATCH_POLL_MS = 200;

/** What a watch knows of one watched entry. */
interface Seen {
  name: string;
  version: number;
  expires: number | null;
  /** Whether it had not expired when seen. */
  live: boolean;
}

/** Runs `fn` on the open vault, through the engine's call guard. */
export type Guarded = <T>(fn: () => T) => T;

function selector(names: WatchOptions["names"]): (name: string) => boolean {
  if (names === undefined) return () => true;
  if (typeof names === "string") return compileGlob(validatePattern(names));
  if (!Array.isArray(names)) {
    throw new ValidationError("names must be a list of names or a pattern");
  }
  const wanted = new Set(
    names.map((name) => validateName(name).normalize("NFC")),
  );
  return (name) => wanted.has(name);
}

/** The watched entries of `vault` now, by name hash, in one snapshot. */
function snapshot(
  vault: OpenedVault,
  watched: (name: string) => boolean,
  now: number,
): Map<string, Seen> {
  const { store, table, keys } = vault;
  // An entry written after the names are read is missed by this snapshot,
  // and found by the next: its commit moved the vault's mark.
  const names = new Map(
    vault.names.named().map(({ hash, name }) => [hash, name]),
  );
  return store.snapshot(() => {
    checkStillOpen(table, keys);
    const seen = new Map<string, Seen>();
    table.eachHead((hash, expires, version) => {
      const name = names.get(hash);
      if (name !== undefined && watched(name)) {
        seen.set(hash, { name, version, expires, live: isLive(expires, now) });
      }
    });
    return seen;
  });
}

/** The changes from `before` to `after`. */
function* changes(
  before: ReadonlyMap<string, Seen>,
  after: ReadonlyMap<string, Seen>,
): Generator<SecretChange> {
  for (const [hash, was] of before) {
    const is = after.get(hash);
    if (is === undefined) yield { name: was.name, change: "deleted" };
    else if (is.version === was.version && was.live && !is.live) {
      yield { name: is.name, change: "expired" };
    }
  }
  for (const [hash, is] of after) {
    const was = before.get(hash);
    if (was === undefined || is.version !== was.version) {
      yield is.live
        ? { name: is.name, change: "set", version: is.version }
        : { name: is.name, change: "expired" };
    }
  }
}

/** The next expiry after `now` among `seen`, or `Infinity`. */
function nextExpiry(seen: ReadonlyMap<string, Seen>, now: number): number {
  let next = Infinity;
  for (const { expires } of seen.values()) {
    if (expires !== null && expires > now && expires < next) next = expires;
  }
  return next;
}

/** Waits `ms`, or until `signal` aborts; `false` when it aborted. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (waited: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", aborted);
      resolve(waited);
    };
    const aborted = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal?.addEventListener("abort", aborted, { once: true });
  });
}

/**
 * The changes to the secrets `options.names` selects (checked now), as any
 * process makes them, until `options.signal` aborts or the consumer stops;
 * a vault destroyed or rotated elsewhere ends it with the
 * {@linkcode ClosedError} a read would throw. Every read goes through
 * `guarded`.
 */
export function watchVault(
  vault: OpenedVault,
  guarded: Guarded,
  options: WatchOptions,
): AsyncGenerator<SecretChange, void, undefined> {
  if (typeof options !== "object" || options === null) {
    throw new ValidationError("options must be an object");
  }
  const { signal } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new ValidationError("signal must be an AbortSignal");
  }
  const watched = selector(options.names);
  // The watch starts from the vault as it is now, not at the first
  // iteration: a change made between the call and the first `next()` (while
  // a caller starts what it watches for) is reported, never missed.
  const mark = () => `${vault.store.dataVersion()}:${vault.store.changes()}`;
  const start: Start = {
    seen: guarded(() => snapshot(vault, watched, Date.now())),
    marked: guarded(mark),
  };
  return watching(vault, guarded, watched, signal, start);
}

/** What a watch saw when it was made. */
interface Start {
  seen: Map<string, Seen>;
  marked: string;
}

async function* watching(
  vault: OpenedVault,
  guarded: Guarded,
  watched: (name: string) => boolean,
  signal: AbortSignal | undefined,
  start: Start,
): AsyncGenerator<SecretChange, void, undefined> {
  const { store } = vault;
  const mark = () => `${store.dataVersion()}:${store.changes()}`;
  let { seen, marked } = start;
  let expiry = nextExpiry(seen, Date.now());
  while (await pause(WATCH_POLL_MS, signal)) {
    const now = Date.now();
    const current = guarded(mark);
    if (current === marked && now < expiry) continue;
    marked = current;
    const next = guarded(() => snapshot(vault, watched, now));
    const found = [...changes(seen, next)];
    seen = next;
    expiry = nextExpiry(seen, now);
    for (const change of found) yield change;
  }
}
