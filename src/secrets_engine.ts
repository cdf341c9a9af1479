/**
 * The secrets engine: a machine-bound, encrypted key-value vault. This file
 * is the facade: the public API and its documentation. Each method
 * validates its input, goes through the call guard (`vault/guard.ts`) and
 * delegates to the vault layer (`vault/`); docs/architecture.md is the map.
 *
 * @module
 */

import { exportSecrets, importSecrets } from "./vault/transfer.ts";
import {
  type CallGuard,
  callGuard,
  stillOpenCheck,
  writeRefusal,
} from "./vault/guard.ts";
import {
  type AddedKey,
  addKeySlot,
  addPassphraseSlot,
  listSlots,
  rebindSlot,
  removeSlot,
} from "./vault/slots.ts";
import { rotateKey, type RotateResult } from "./vault/rotate.ts";
import {
  readRemote,
  type RemoteInfo,
  type RemoteSet,
  setRemote,
  type SetRemoteOptions,
  unsetRemote,
} from "./vault/remote.ts";
import {
  addMember,
  listMembers,
  type RemovedMembers,
  removeMember,
} from "./vault/members.ts";
import {
  closeVault,
  destroyVault,
  removeVault,
  sealBeforeClose,
} from "./vault/close.ts";
import { openVault } from "./vault/open.ts";
import { type CloneOptions, cloneVault } from "./vault/clone.ts";
import {
  type MergedFile,
  type MergeFiles,
  mergeGitFile,
} from "./vault/merge_driver.ts";
import { type SyncOptions, type SyncReport, syncVault } from "./vault/sync.ts";
import { type SyncWatchOptions, syncWatchVault } from "./vault/sync_watch.ts";
import {
  listConflicts,
  resolveConflict,
  type SyncConflict,
} from "./vault/conflicts.ts";
import type { OpenedVault } from "./vault/opened.ts";
import type { OpenOptions } from "./vault/open_options.ts";
import type { RecoveryReport } from "./vault/recover.ts";
import { annotateSecret } from "./vault/annotations.ts";
import {
  type SecretChange,
  type WatchOptions,
  watchVault,
} from "./vault/watch.ts";
import {
  type SecretStatus,
  secretStatus,
  type StatusOptions,
} from "./vault/status.ts";
import {
  hasSecret,
  listNames,
  listVersions,
  liveCount,
  readBytes,
  readEntry,
  readMeta,
  readText,
  readTextOrThrow,
  readVersion,
  type SecretEntry,
  type SecretMeta,
  type SecretVersion,
  type VersionInfo,
} from "./vault/read.ts";
import {
  deleteSecrets,
  purgeExpired,
  putSecrets,
  revertSecret,
  setHistoryLimit,
} from "./vault/write.ts";
import {
  validateEntries,
  validateName,
  validateProgress,
  validateSecretValue,
} from "./rules/validate.ts";
import { type VaultInfo, vaultInfo } from "./vault/info.ts";
import type {
  AnnotationChange,
  BindingFactor,
  ExpiryOptions,
  ExportDocument,
  ExportOptions,
  LocationOptions,
  MemberInfo,
  ProgressOptions,
  SecretEntries,
  SecretValue,
  SetOptions,
  SlotInfo,
  Unlock,
} from "./types.ts";

/**
 * A vault of secrets, encrypted at rest and bound to this machine. Open it
 * with {@linkcode SecretsEngine.open}; close it with `await using` or
 * {@linkcode SecretsEngine.close}.
 *
 * Every method reflects the latest committed state, including writes by
 * other engines and processes on the same vault.
 *
 * @example Store and read a secret
 * ```ts
 * import { SecretsEngine } from "@scope/secrets";
 * import assert from "node:assert/strict";
 *
 * const path = await Deno.makeTempDir();
 * {
 *   await using engine = await SecretsEngine.open({ path });
 *   await engine.set("openai.apiKey", "sk-example");
 *   assert.equal(await engine.get("openai.apiKey"), "sk-example");
 * }
 * await Deno.remove(path, { recursive: true });
 * ```
 */
export class SecretsEngine implements AsyncDisposable {
  readonly #vault: OpenedVault;
  readonly #guard: CallGuard;

  private constructor(vault: OpenedVault) {
    this.#vault = vault;
    this.#guard = callGuard({
      readOnly: writeRefusal(vault),
      release: () => closeVault(vault),
      stillOpen: stillOpenCheck(vault),
    });
  }

  /**
   * Opens the vault, creating it on first use. Resolves the location
   * (`path`, else `location`, else `$XDG_CONFIG_HOME/secrets-engine` when
   * set, else `~/.secrets-engine`), checks permissions, owners, modes and
   * integrity, and unlocks the data key.
   *
   * @throws {PermissionError} a needed `--allow-*` flag is missing; the
   *   message names it.
   * @throws {SecurityError} a vault file is a symlink, hard-linked, owned
   *   by another user, or has group/other access.
   * @throws {KeyMismatchError} the keyfile or machine identity changed.
   * @throws {IntegrityError} the vault was changed outside the engine.
   * @throws {InitializationError} the vault is incomplete or of a newer
   *   format.
   * @throws {VaultNotFoundError} there is no vault and `create` is false.
   *
   * @example Open a vault, creating it on first use
   * ```ts
   * import { SecretsEngine } from "@scope/secrets";
   * const path = await Deno.makeTempDir();
   * const engine = await SecretsEngine.open({ path });
   * await engine.close();
   * await Deno.remove(path, { recursive: true });
   * ```
   */
  static async open(options: OpenOptions = {}): Promise<SecretsEngine> {
    return new SecretsEngine(await openVault(options));
  }

  /**
   * Clones the vault a teammate pushed to `url` (a PostgreSQL remote,
   * `postgres://USER@HOST:PORT/DATABASE`, under `options.name`) into a new
   * local copy at `options.path`, opened through the member slot that
   * `options.identity` (an age or SSH identity's text) opens. The copy gets
   * a keyfile of this machine, the remote's member slots, the remote as its
   * own, and every row; reads and writes are local from then on. Pin
   * `options.fingerprint` (what {@linkcode SecretsEngine.remote} prints on
   * a teammate's copy): without it, a first clone trusts the server for
   * which vault it is. Needs `--allow-net=HOST:PORT`.
   *
   * @throws {ValidationError} bad options, or a vault already at the path.
   * @throws {KeyMismatchError} the identity is no member's.
   * @throws {RemoteError} the server is unreachable, refused, or holds no
   *   pushed vault under the name; the fingerprint does not match; a row,
   *   slot or head was forged.
   *
   * @example A clone needs a member's identity
   * ```ts
   * import { SecretsEngine, ValidationError } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * await assert.rejects(
   *   SecretsEngine.clone("postgres://ops@db.internal/secrets", { identity: "" }),
   *   ValidationError,
   * );
   * ```
   */
  static async clone(
    url: string,
    options: CloneOptions,
  ): Promise<SecretsEngine> {
    const { vault } = await cloneVault(url, options);
    return new SecretsEngine(vault);
  }

  /**
   * Removes a vault without opening it: for one that no longer opens (its
   * keyfile lost and no other slot) or that you cannot unlock. Its keyfile,
   * database and WAL are overwritten with zeros and every file the engine
   * owns is removed, then the directory if nothing else is in it; files the
   * engine did not create stay. No key is needed, so this cannot tell a
   * vault you meant from one you did not: name the path. Resolves to
   * whether there was a vault there. Other engines on the vault fail from
   * their next call. (A vault that opens is better removed with
   * {@linkcode SecretsEngine.destroy}, which tells them it was destroyed.)
   *
   * @throws {SecurityError} a vault file is a symlink, hard-linked, owned
   *   by another user, or the directory has group/other access.
   * @throws {PermissionError} read and write on the vault are not granted.
   *
   * @example Remove a vault whose keyfile was lost
   * ```ts
   * import { SecretsEngine } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * const parent = await Deno.makeTempDir();
   * const path = `${parent}/vault`;
   * await (await SecretsEngine.open({ path })).close();
   * await Deno.remove(`${path}/.keyfile`);
   * assert.equal(await SecretsEngine.destroyVault({ path }), true);
   * assert.equal(await SecretsEngine.destroyVault({ path }), false);
   * await Deno.remove(parent);
   * ```
   */
  static destroyVault(options: LocationOptions = {}): Promise<boolean> {
    try {
      return Promise.resolve(removeVault(options));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The vault directory's absolute real path. */
  get storagePath(): string {
    return this.#vault.dir;
  }

  /**
   * Whether this open created the vault (there was none at its path), so
   * a caller can say so: a mistyped path should not make a vault silently.
   *
   * @example Tell a new vault from an existing one
   * ```ts
   * import { SecretsEngine } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * const path = await Deno.makeTempDir();
   * {
   *   await using first = await SecretsEngine.open({ path });
   *   assert.equal(first.created, true);
   * }
   * {
   *   await using again = await SecretsEngine.open({ path });
   *   assert.equal(again.created, false);
   * }
   * Deno.removeSync(path, { recursive: true });
   * ```
   */
  get created(): boolean {
    return this.#vault.created;
  }

  /** How many secrets the vault holds now, not counting expired ones. */
  get size(): number {
    return this.#guard.callSync(() => liveCount(this.#vault));
  }

  /**
   * With `open({ recover: true })`, what the survey of the vault found:
   * which checks failed and which entries do not decrypt. `null` on an
   * engine opened normally.
   *
   * @example Ask a recovery open what it found
   * ```ts
   * import { SecretsEngine } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * const path = await Deno.makeTempDir();
   * {
   *   await (await SecretsEngine.open({ path })).close();
   *   await using engine = await SecretsEngine.open({ path, recover: true });
   *   assert.equal(engine.recovery?.intact, true);
   * }
   * Deno.removeSync(path, { recursive: true });
   * ```
   */
  get recovery(): RecoveryReport | null {
    return this.#vault.recovery;
  }

  /**
   * The text stored under `name`, or `null` when there is none (or it has
   * expired).
   *
   * @throws {ValidationError} the entry holds bytes: read it with
   *   {@linkcode SecretsEngine.getBytes}.
   * @throws {DecryptionError} the stored ciphertext was altered or moved.
   *
   * @example A secret that is not there reads as null
   * ```ts
   * import { SecretsEngine } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * const path = await Deno.makeTempDir();
   * {
   *   await using engine = await SecretsEngine.open({ path });
   *   assert.equal(await engine.get("missing"), null);
   * }
   * Deno.removeSync(path, { recursive: true });
   * ```
   */
  get(name: string): Promise<string | null> {
    return this.#guard.call(() => readText(this.#vault, name));
  }

  /**
   * The value stored under `name` as bytes (a text value as UTF-8), or
   * `null` when there is none (or it has expired). The array is the
   * caller's: zero it when done.
   *
   * @example Store and read bytes
   * ```ts
   * import { SecretsEngine } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * const path = await Deno.makeTempDir();
   * {
   *   await using engine = await SecretsEngine.open({ path });
   *   await engine.set("tls.key", new Uint8Array([0x30, 0x82]));
   *   assert.equal((await engine.getBytes("tls.key"))?.[0], 0x30);
   * }
   * Deno.removeSync(path, { recursive: true });
   * ```
   */
  getBytes(name: string): Promise<Uint8Array | null> {
    return this.#guard.call(() => readBytes(this.#vault, name));
  }

  /**
   * The secret under `name` with what it carries: its value (a string for
   * text, a `Uint8Array` for bytes), kind, times, expiry and version; or
   * `null` when there is none (or it has expired).
   *
   * @example Read a secret with its kind and expiry
   * ```ts
   * import { SecretsEngine } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * const path = await Deno.makeTempDir();
   * {
   *   await using engine = await SecretsEngine.open({ path });
   *   await engine.set("api.token", "t-1", { ttlMs: 60_000 });
   *   const entry = await engine.getEntry("api.token");
   *   assert.ok(entry?.kind === "text" && entry.expiresAt !== null);
   * }
   * Deno.removeSync(path, { recursive: true });
   * ```
   */
  getEntry(name: string): Promise<SecretEntry | null> {
    return this.#guard.call(() => readEntry(this.#vault, name));
  }

  /**
   * What a secret is, without its value: its version, kind, times, expiry,
   * note, tags and rotation due date, or `null` when there is no live
   * secret under `name`. Nothing is decrypted but the annotation, so
   * listing every secret this way keeps no value in memory.
   *
   * @example Read a secret's facts without its value
   * ```ts
   * import { SecretsEngine } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * const path = await Deno.makeTempDir();
   * {
   *   await using engine = await SecretsEngine.open({ path });
   *   await engine.set("db.password", "pw", { tags: ["prod"] });
   *   const meta = await engine.getMeta("db.password");
   *   assert.deepEqual(meta?.tags, ["prod"]);
   *   assert.equal(meta !== null && "value" in meta, false);
   * }
   * Deno.removeSync(path, { recursive: true });
   * ```
   */
  getMeta(name: string): Promise<SecretMeta | null> {
    return this.#guard.call(() => readMeta(this.#vault, validateName(name)));
  }

  /**
   * Like {@linkcode SecretsEngine.get}, but a missing secret is
   * {@linkcode KeyNotFoundError}.
   *
   * @example Read a secret that must be there
   * ```ts
   * import { SecretsEngine } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * const path = await Deno.makeTempDir();
   * {
   *   await using engine = await SecretsEngine.open({ path });
   *   await engine.set("db.password", "hunter2");
   *   assert.equal(await engine.getOrThrow("db.password"), "hunter2");
   * }
   * Deno.removeSync(path, { recursive: true });
   * ```
   */
  getOrThrow(name: string): Promise<string> {
    return this.#guard.call(() => readTextOrThrow(this.#vault, name));
  }

  /**
   * Stores `value` under `name`: a string as text, a `Uint8Array` as
   * bytes. A value already there becomes an earlier version (see
   * {@linkcode SecretsEngine.history}); `options` may give an expiry, and
   * change the secret's note, tags or rotation policy (those left out stay;
   * see {@linkcode SecretsEngine.setMeta}). The write is durable when the
   * promise resolves.
   *
   * @throws {ValidationError} the name, value or options are not
   *   acceptable; nothing was written.
   * @throws {BusyError} another writer held the lock past the timeout.
   * @throws {StorageError} the disk is full; nothing was written.
   *
   * @example Store a secret, then replace it with one that expires
   * ```ts
   * import { SecretsEngine } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * const path = await Deno.makeTempDir();
   * {
   *   await using engine = await SecretsEngine.open({ path });
   *   await engine.set("github.token", "ghp_example");
   *   await engine.set("github.token", "ghp_rotated", { ttlMs: 30 * 86_400_000 });
   *   assert.equal((await engine.history("github.token")).length, 2);
   * }
   * Deno.removeSync(path, { recursive: true });
   * ```
   */
  set(name: string, value: SecretValue, options?: SetOptions): Promise<void> {
    return this.#guard.write(() =>
      putSecrets(
        this.#vault,
        [[validateName(name), validateSecretValue(value)]],
        options,
      )
    );
  }

  /**
   * Stores several secrets in one transaction: all of them or, on any
   * error, none, each as {@linkcode SecretsEngine.set} would, with the
   * expiry `options` gives. Every entry is validated before anything is
   * written; a name given twice takes its last value. `onProgress` is told
   * after each entry how many are written, for a progress display.
   *
   * @example Store several secrets in one transaction
   * ```ts
   * import { SecretsEngine } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * const path = await Deno.makeTempDir();
   * {
   *   await using engine = await SecretsEngine.open({ path });
   *   const seen: number[] = [];
   *   await engine.setMany({ "aws.id": "AKIA", "aws.secret": "wJal" }, {
   *     onProgress: (done) => seen.push(done),
   *   });
   *   assert.equal(engine.size, 2);
   *   assert.deepEqual(seen, [1, 2]);
   * }
   * Deno.removeSync(path, { recursive: true });
   * ```
   */
  setMany(
    entries: SecretEntries,
    options?: SetOptions & ProgressOptions,
  ): Promise<void> {
    return this.#guard.write(() =>
      putSecrets(this.#vault, validateEntries(entries), options)
    );
  }

  /**
   * Whether a secret that has not expired is stored under `name`, without
   * decrypting anything.
   *
   * @example Ask whether a secret exists
   * ```ts
   * import { SecretsEngine } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * const path = await Deno.makeTempDir();
   * {
   *   await using engine = await SecretsEngine.open({ path });
   *   assert.ok(!(await engine.has("stripe.key")));
   * }
   * Deno.removeSync(path, { recursive: true });
   * ```
   */
  has(name: string): Promise<boolean> {
    return this.#guard.call(() => hasSecret(this.#vault, name));
  }

  /**
   * Removes the secret under `name` with every earlier version of it
   * (expired or not); `false` when there was none.
   *
   * @example Deleting what is not there is not an error
   * ```ts
   * import { SecretsEngine } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * const path = await Deno.makeTempDir();
   * {
   *   await using engine = await SecretsEngine.open({ path });
   *   assert.ok(!(await engine.delete("never.set")));
   * }
   * Deno.removeSync(path, { recursive: true });
   * ```
   */
  async delete(name: string): Promise<boolean> {
    return await this.deleteMany([name]) === 1;
  }

  /**
   * Removes several secrets in one transaction, returning how many existed.
   * A name stored before 0.2 in another Unicode spelling, or with a format
   * character that names may no longer hold, is found and removed too.
   *
   * @example Delete several secrets in one transaction
   * ```ts
   * import { SecretsEngine } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * const path = await Deno.makeTempDir();
   * {
   *   await using engine = await SecretsEngine.open({ path });
   *   await engine.setMany({ "a.one": "1", "a.two": "2" });
   *   assert.equal(await engine.deleteMany(["a.one", "a.two", "a.three"]), 2);
   * }
   * Deno.removeSync(path, { recursive: true });
   * ```
   */
  deleteMany(names: Iterable<string>): Promise<number> {
    return this.#guard.write(() => deleteSecrets(this.#vault, names));
  }

  /**
   * The names of the stored secrets, sorted, optionally filtered by a
   * glob: `*` within one dot-separated segment, `**` across segments, `?`
   * one character. Matching takes time linear in name × pattern. Expired
   * secrets are left out; with `{ expired: true }`, only they are listed.
   * With `{ tag }`, only the secrets tagged with it (see
   * {@linkcode SecretsEngine.setMeta}).
   *
   * @example List names with a glob
   * ```ts
   * import { SecretsEngine } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * const path = await Deno.makeTempDir();
   * {
   *   await using engine = await SecretsEngine.open({ path });
   *   await engine.setMany({ "openai.apiKey": "sk", "openai.org.id": "org", "aws.id": "AKIA" });
   *   assert.equal((await engine.keys("openai.*")).join(), "openai.apiKey");
   *   assert.equal((await engine.keys("openai.**")).length, 2);
   * }
   * Deno.removeSync(path, { recursive: true });
   * ```
   */
  keys(
    pattern?: string,
    options: { expired?: boolean; tag?: string } = {},
  ): Promise<string[]> {
    return this.#guard.call(() => listNames(this.#vault, pattern, options));
  }

  /**
   * Changes the note, tags or rotation policy of the secret under `name`
   * without writing a new value: each field given replaces the stored one,
   * `null` clears it, and a field left out stays. A new value keeps them
   * (unless its `set` options change them); a revert restores the value,
   * not them.
   *
   * @throws {KeyNotFoundError} there is no such secret.
   * @throws {ValidationError} a note over 4 KiB, a malformed tag, more than
   *   32 tags, or a period outside one second to 100 years; nothing was
   *   written.
   *
   * @example Say where a key comes from and when to rotate it
   * ```ts
   * import { SecretsEngine } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * const path = await Deno.makeTempDir();
   * {
   *   await using engine = await SecretsEngine.open({ path });
   *   await engine.set("stripe.key", "sk_live_1");
   *   await engine.setMeta("stripe.key", {
   *     note: "Dashboard > Developers > API keys",
   *     tags: ["prod", "stripe"],
   *     rotateEvery: 90 * 86_400_000,
   *   });
   *   const entry = await engine.getEntry("stripe.key");
   *   assert.deepEqual(entry?.tags, ["prod", "stripe"]);
   *   assert.equal(entry?.version, 1);
   *   assert.deepEqual(await engine.keys("**", { tag: "stripe" }), ["stripe.key"]);
   * }
   * Deno.removeSync(path, { recursive: true });
   * ```
   */
  setMeta(name: string, change: AnnotationChange): Promise<void> {
    return this.#guard.write(() => annotateSecret(this.#vault, name, change));
  }

  /**
   * The changes to the vault's secrets, as this or any other process makes
   * them: each new value (`set`, with its version; a revert or an import
   * too), each deletion (or purge) and each expiry as it passes, never a
   * value. The watch starts when `watch()` is called, so a change made
   * before the loop first asks is reported too. A change shows within
   * {@linkcode WATCH_POLL_MS} (200 ms).
   * `options.names` limits it to a list of names or a glob pattern;
   * `options.signal` ends it, and so does leaving the loop. While the loop
   * waits, one timer and one statement run every 200 ms; after it ends,
   * nothing does. A vault destroyed or rotated elsewhere ends it with the
   * {@linkcode ClosedError} a read would throw.
   *
   * @throws {ValidationError} a malformed name or pattern, or a `signal`
   *   that is not an `AbortSignal`.
   *
   * @example React when another process changes a secret
   * ```ts
   * import { SecretsEngine } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * const path = await Deno.makeTempDir();
   * {
   *   await using engine = await SecretsEngine.open({ path });
   *   await using writer = await SecretsEngine.open({ path });
   *   await engine.set("api.token", "t-1");
   *   setTimeout(() => writer.set("api.token", "t-2"), 50);
   *   for await (const change of engine.watch({ names: ["api.token"] })) {
   *     assert.deepEqual(change, { name: "api.token", change: "set", version: 2 });
   *     break;
   *   }
   * }
   * Deno.removeSync(path, { recursive: true });
   * ```
   */
  watch(options: WatchOptions = {}): AsyncIterable<SecretChange> {
    return this.#guard.callSync(() =>
      watchVault(this.#vault, (fn) => this.#guard.callSync(fn), options)
    );
  }

  /**
   * The secrets that need attention: expired, expiring within
   * `options.within` (default 14 days), or due for rotation by then (their
   * current value older than their `rotateEvery`), each with its state and
   * date, soonest first. Names only, unless `{ notes: true }`.
   *
   * @throws {ValidationError} `within` is not a whole number of
   *   milliseconds from 0 to 100 years.
   *
   * @example Find what is due before it breaks production
   * ```ts
   * import { SecretsEngine } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * const path = await Deno.makeTempDir();
   * {
   *   await using engine = await SecretsEngine.open({ path });
   *   await engine.set("cert.pem", "-----BEGIN…", { ttlMs: 3 * 86_400_000 });
   *   await engine.set("db.password", "pw", { rotateEvery: 90 * 86_400_000 });
   *   const [first, ...rest] = await engine.status();
   *   assert.equal(first.name, "cert.pem");
   *   assert.equal(first.state, "expiring");
   *   assert.equal(rest.length, 0);
   * }
   * Deno.removeSync(path, { recursive: true });
   * ```
   */
  status(options: StatusOptions = {}): Promise<SecretStatus[]> {
    return this.#guard.call(() => secretStatus(this.#vault, options));
  }

  /**
   * Removes every expired secret with its earlier versions, in one
   * transaction; resolves to how many were removed.
   *
   * @example Remove expired secrets
   * ```ts
   * import { SecretsEngine } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * const path = await Deno.makeTempDir();
   * {
   *   await using engine = await SecretsEngine.open({ path });
   *   await engine.set("session", "s-1", { ttlMs: 1 });
   *   await new Promise((resolve) => setTimeout(resolve, 5));
   *   assert.equal(await engine.purgeExpired(), 1);
   * }
   * Deno.removeSync(path, { recursive: true });
   * ```
   */
  purgeExpired(): Promise<number> {
    return this.#guard.write(() => purgeExpired(this.#vault));
  }

  /**
   * The stored versions of the secret under `name`, newest (the current
   * one) first, expired or not; empty when there is none. Nothing is
   * decrypted. How many earlier versions are kept is the vault's
   * {@linkcode SecretsEngine.setHistoryLimit}.
   *
   * @example List a secret's versions
   * ```ts
   * import { SecretsEngine } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * const path = await Deno.makeTempDir();
   * {
   *   await using engine = await SecretsEngine.open({ path });
   *   await engine.set("db.password", "one");
   *   await engine.set("db.password", "two");
   *   const versions = await engine.history("db.password");
   *   assert.equal(versions.map((v) => v.version).join(), "2,1");
   * }
   * Deno.removeSync(path, { recursive: true });
   * ```
   */
  history(name: string): Promise<VersionInfo[]> {
    return this.#guard.call(() => listVersions(this.#vault, name));
  }

  /**
   * Version `version` of the secret under `name` with its value, or `null`
   * when that version is not kept or has expired: an expired value reads
   * as absent here as in {@linkcode SecretsEngine.get}
   * ({@linkcode SecretsEngine.history} still lists it, and
   * {@linkcode SecretsEngine.revert} with a new expiry brings it back).
   *
   * @throws {ValidationError} `version` is not a whole number from 1.
   *
   * @example Read an earlier version
   * ```ts
   * import { SecretsEngine } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * const path = await Deno.makeTempDir();
   * {
   *   await using engine = await SecretsEngine.open({ path });
   *   await engine.set("db.password", "one");
   *   await engine.set("db.password", "two");
   *   assert.equal((await engine.getVersion("db.password", 1))?.value, "one");
   * }
   * Deno.removeSync(path, { recursive: true });
   * ```
   */
  getVersion(name: string, version: number): Promise<SecretVersion | null> {
    return this.#guard.call(() => readVersion(this.#vault, name, version));
  }

  /**
   * Makes version `version` of the secret under `name` current again, as a
   * new version (the one it replaces is kept as history); resolves to the
   * new version's number. It keeps that version's expiry unless `options`
   * gives one.
   *
   * @throws {KeyNotFoundError} there is no such secret, or that version is
   *   not kept (never written, or pruned by the history limit).
   * @throws {ValidationError} `version` is not a whole number from 1, or
   *   that version has expired and `options` gives no new expiry.
   *
   * @example Undo a wrong set
   * ```ts
   * import { SecretsEngine } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * const path = await Deno.makeTempDir();
   * {
   *   await using engine = await SecretsEngine.open({ path });
   *   await engine.set("db.password", "good");
   *   await engine.set("db.password", "typo");
   *   assert.equal(await engine.revert("db.password", 1), 3);
   *   assert.equal(await engine.get("db.password"), "good");
   * }
   * Deno.removeSync(path, { recursive: true });
   * ```
   */
  revert(
    name: string,
    version: number,
    options?: ExpiryOptions,
  ): Promise<number> {
    return this.#guard.write(() =>
      revertSecret(this.#vault, name, version, options)
    );
  }

  /**
   * Sets how many earlier versions of each secret the vault keeps (0 keeps
   * none), dropping at once every version beyond it.
   *
   * @throws {ValidationError} `limit` is not a whole number from 0 to
   *   {@linkcode MAX_HISTORY_LIMIT}.
   *
   * @example Keep no earlier versions
   * ```ts
   * import { SecretsEngine } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * const path = await Deno.makeTempDir();
   * {
   *   await using engine = await SecretsEngine.open({ path, historyLimit: 3 });
   *   await engine.setHistoryLimit(0);
   *   assert.equal((await engine.info()).historyLimit, 0);
   * }
   * Deno.removeSync(path, { recursive: true });
   * ```
   */
  setHistoryLimit(limit: number): Promise<void> {
    return this.#guard.write(() => setHistoryLimit(this.#vault, limit));
  }

  /**
   * The secrets (those `pattern` matches, or all) as a versioned
   * {@linkcode ExportDocument}: names, values, timestamps and expiry, read
   * in one snapshot. With `{ history: true }`, each entry also carries its
   * version number and every earlier version kept (a version 3 document);
   * with `{ expired: true }`, expired secrets are included. Both together
   * are everything the vault holds: what a recovery backs up. On an engine
   * opened with `recover`, entries and versions that do not decrypt are
   * left out ({@linkcode SecretsEngine.recovery} lists them). This holds
   * every value in clear: encrypt it (the `./age` export does) before it
   * touches a disk.
   *
   * @throws {ValidationError} `pattern` or `options` is malformed.
   *
   * @example Export and import everything, earlier versions included
   * ```ts
   * import { SecretsEngine } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * const [from, to] = [await Deno.makeTempDir(), await Deno.makeTempDir()];
   * {
   *   await using source = await SecretsEngine.open({ path: from });
   *   await source.set("db.url", "postgres://one");
   *   await source.set("db.url", "postgres://two");
   *   const doc = await source.exportEntries("db.*", { history: true, expired: true });
   *   assert.equal(doc.entries[0].versions?.[0].value, "postgres://one");
   *   await using target = await SecretsEngine.open({ path: to });
   *   await target.importEntries(doc);
   *   assert.equal((await target.getVersion("db.url", 1))?.value, "postgres://one");
   * }
   * await Deno.remove(from, { recursive: true });
   * await Deno.remove(to, { recursive: true });
   * ```
   */
  exportEntries(
    pattern?: string,
    options: ExportOptions = {},
  ): Promise<ExportDocument> {
    return this.#guard.call(() => exportSecrets(this.#vault, pattern, options));
  }

  /**
   * Writes the secrets of an {@linkcode ExportDocument} in one transaction,
   * with their timestamps: all of them or none. Every entry is checked
   * first (a bad document is a {@linkcode ValidationError} naming the entry
   * and why); without `overwrite`, a name the vault already holds is a
   * `ValidationError` listing every such name. `onProgress` is told after
   * each entry how many are written. Resolves to how many were written.
   *
   * @example Copy secrets from one vault to another
   * ```ts
   * import { SecretsEngine } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * const [from, to] = [await Deno.makeTempDir(), await Deno.makeTempDir()];
   * {
   *   await using source = await SecretsEngine.open({ path: from });
   *   await source.set("db.url", "postgres://example");
   *   await using target = await SecretsEngine.open({ path: to });
   *   assert.equal(await target.importEntries(await source.exportEntries()), 1);
   * }
   * Deno.removeSync(from, { recursive: true });
   * Deno.removeSync(to, { recursive: true });
   * ```
   */
  importEntries(
    doc: ExportDocument,
    options: { overwrite?: boolean } & ProgressOptions = {},
  ): Promise<number> {
    return this.#guard.write(() => importSecrets(this.#vault, doc, options));
  }

  /**
   * Facts about the vault for diagnostics: where it is, how many entries it
   * holds, what it is bound to, its format, and whether this open found it
   * exactly as last sealed (the fast path) or verified it in full.
   *
   * @example Describe the vault
   * ```ts
   * import { SecretsEngine } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * const path = await Deno.makeTempDir();
   * {
   *   await using engine = await SecretsEngine.open({ path });
   *   assert.equal((await engine.info()).factors.length, 0);
   * }
   * Deno.removeSync(path, { recursive: true });
   * ```
   */
  info(): Promise<VaultInfo> {
    return this.#guard.call(() =>
      vaultInfo(this.#vault, liveCount(this.#vault))
    );
  }

  /**
   * The vault's key slots: each opens it on its own (the machine's keyfile,
   * a passphrase, or a key {@linkcode SecretsEngine.addKey} made).
   *
   * @example List the ways into the vault
   * ```ts
   * import { SecretsEngine } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * const path = await Deno.makeTempDir();
   * {
   *   await using engine = await SecretsEngine.open({ path });
   *   assert.equal((await engine.slots())[0].kind, "machine");
   * }
   * Deno.removeSync(path, { recursive: true });
   * ```
   */
  slots(): Promise<SlotInfo[]> {
    return this.#guard.call(() => listSlots(this.#vault));
  }

  /**
   * Adds a passphrase slot: `open({ path, unlock: { passphrase } })` then
   * opens the vault on any machine. The passphrase is NFC-normalised and
   * stretched with scrypt (N=2^17, r=8, p=1); an empty one is a
   * {@linkcode ValidationError}.
   *
   * @example Add a passphrase that opens the vault
   * ```ts
   * import { SecretsEngine } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * const path = await Deno.makeTempDir();
   * {
   *   await using engine = await SecretsEngine.open({ path });
   *   const slot = await engine.addPassphrase("correct horse battery staple", { label: "laptop" });
   *   assert.equal(slot.kind, "passphrase");
   * }
   * Deno.removeSync(path, { recursive: true });
   * ```
   */
  addPassphrase(
    passphrase: string,
    options: { label?: string } = {},
  ): Promise<SlotInfo> {
    return this.#guard.write(() =>
      addPassphraseSlot(this.#vault, passphrase, options.label)
    );
  }

  /**
   * Adds a key slot for a new random 160-bit key and returns the key, once:
   * store it offline as the recovery key, or give it to CI as a secret;
   * `open({ path, unlock: { key } })` opens the vault with it.
   *
   * @example Make a recovery key and open the vault with it
   * ```ts
   * import { SecretsEngine } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * const path = await Deno.makeTempDir();
   * {
   *   await using engine = await SecretsEngine.open({ path });
   *   const { key } = await engine.addKey({ label: "recovery" });
   *   await using again = await SecretsEngine.open({ path, unlock: { key } });
   *   assert.equal((await again.info()).unlockedBy.kind, "key");
   * }
   * Deno.removeSync(path, { recursive: true });
   * ```
   */
  addKey(options: { label?: string } = {}): Promise<AddedKey> {
    return this.#guard.write(() => addKeySlot(this.#vault, options.label));
  }

  /**
   * Removes the key slot `id` (from {@linkcode SecretsEngine.slots}).
   * Removing the last slot, or an unknown id, is a
   * {@linkcode ValidationError}: no option overrides it. Removing the
   * machine slot deletes the keyfile.
   *
   * @example Remove a key slot
   * ```ts
   * import { SecretsEngine } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * const path = await Deno.makeTempDir();
   * {
   *   await using engine = await SecretsEngine.open({ path });
   *   const { slot } = await engine.addKey();
   *   await engine.removeSlot(slot.id);
   *   assert.equal((await engine.slots()).length, 1);
   * }
   * Deno.removeSync(path, { recursive: true });
   * ```
   */
  removeSlot(id: string): Promise<void> {
    return this.#guard.write(() => {
      removeSlot(this.#vault, id);
    });
  }

  /**
   * Writes a new keyfile and a machine slot for it (bound to `factors`,
   * default none), replacing the machine slot there was or adding one: how
   * a vault opened with its recovery key after a lost keyfile or a renamed
   * host gets its zero-setup unlock back.
   *
   * @example Give the vault a new keyfile
   * ```ts
   * import { SecretsEngine } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * const path = await Deno.makeTempDir();
   * {
   *   await using engine = await SecretsEngine.open({ path });
   *   const slot = await engine.rebind();
   *   assert.equal(slot.kind, "machine");
   * }
   * Deno.removeSync(path, { recursive: true });
   * ```
   */
  rebind(options: { factors?: BindingFactor[] } = {}): Promise<SlotInfo> {
    return this.#guard.write(() => rebindSlot(this.#vault, options.factors));
  }

  /**
   * Adds a member: a person or machine that opens the vault with its own
   * key, `recipient` (an age recipient `age1…` or `age1pq1…`, or an SSH
   * public key line, `ssh-ed25519` or `ssh-rsa` of 2048 bits or more).
   * `open({ path, unlock: { identity } })` then opens any copy of the
   * vault with the matching identity (the text of its age identity file or
   * unencrypted OpenSSH private key). A recipient that is already a member
   * is a {@linkcode ValidationError}.
   *
   * @example Add a teammate's age key, and open a copy with their identity
   * ```ts
   * import { SecretsEngine } from "@scope/secrets";
   * import { generateIdentity } from "@scope/secrets/age";
   * import assert from "node:assert/strict";
   * const path = await Deno.makeTempDir();
   * {
   *   const { identity, recipient } = await generateIdentity();
   *   await using engine = await SecretsEngine.open({ path });
   *   await engine.set("token", "t-1");
   *   const member = await engine.addMember(recipient, { label: "alice" });
   *   assert.match(member.fingerprint, /^SHA256:/);
   *   await using alice = await SecretsEngine.open({ path, unlock: { identity } });
   *   assert.equal(await alice.get("token"), "t-1");
   * }
   * Deno.removeSync(path, { recursive: true });
   * ```
   */
  addMember(
    recipient: string,
    options: { label: string },
  ): Promise<MemberInfo> {
    return this.#guard.write(() =>
      addMember(this.#vault, recipient, options?.label)
    );
  }

  /**
   * The vault's members: label, kind of key, recipient, fingerprint, and
   * when and by which slot each was added.
   *
   * @example List the members
   * ```ts
   * import { SecretsEngine } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * const path = await Deno.makeTempDir();
   * {
   *   await using engine = await SecretsEngine.open({ path });
   *   assert.deepEqual(await engine.members(), []);
   * }
   * Deno.removeSync(path, { recursive: true });
   * ```
   */
  members(): Promise<MemberInfo[]> {
    return this.#guard.call(() => listMembers(this.#vault));
  }

  /**
   * Removes the member `label` (every key it holds, and its machines,
   * labelled `LABEL/HOST`), and makes the removal real: the data key
   * rotates, every other slot is rewrapped (no passphrase asked), and
   * every secret the member could read is marked exposed, listed by
   * {@linkcode SecretsEngine.status} until its value changes to one the
   * member never saw. An unknown label is a {@linkcode ValidationError};
   * so is removing the member that opened this engine when no slot of this
   * copy opens it.
   *
   * @example Remove a member, and see what it exposed
   * ```ts
   * import { SecretsEngine } from "@scope/secrets";
   * import { generateIdentity } from "@scope/secrets/age";
   * import assert from "node:assert/strict";
   * const path = await Deno.makeTempDir();
   * {
   *   await using engine = await SecretsEngine.open({ path });
   *   await engine.set("token", "t-1");
   *   const { recipient } = await generateIdentity();
   *   await engine.addMember(recipient, { label: "bob" });
   *   const { exposed } = await engine.removeMember("bob");
   *   assert.equal(exposed, 1);
   *   assert.equal((await engine.status())[0].state, "exposed");
   *   await engine.set("token", "t-2");
   *   assert.deepEqual(await engine.status(), []);
   * }
   * Deno.removeSync(path, { recursive: true });
   * ```
   */
  removeMember(
    label: string,
    options: ProgressOptions = {},
  ): Promise<RemovedMembers> {
    return this.#guard.write(() =>
      removeMember(this.#vault, label, validateProgress(options))
    );
  }

  /**
   * This copy's remote: where it syncs (its address, with no password,
   * and the vault's name there), or `null` when it has none.
   *
   * @example A new vault has no remote
   * ```ts
   * import { SecretsEngine } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * const path = await Deno.makeTempDir();
   * {
   *   await using engine = await SecretsEngine.open({ path });
   *   assert.equal(await engine.remote(), null);
   * }
   * Deno.removeSync(path, { recursive: true });
   * ```
   */
  remote(): Promise<RemoteInfo | null> {
    return this.#guard.call(() => readRemote(this.#vault));
  }

  /**
   * Sets this copy's remote, a PostgreSQL database
   * (`postgres://USER@HOST:PORT/DATABASE`; the password in
   * `options.password`, never in the URL), under `options.name` (default
   * `default`: one database holds many vaults). The server is reached
   * first: its tables and the vault's head row are made where missing, and
   * the result says whether the role may write or only read. Needs
   * `--allow-net=HOST:PORT`. A role that may write also registers this
   * copy's own member key (`origin/HOST`), so it takes later key epochs
   * unattended; {@linkcode SecretsEngine.sync} exchanges the vault with it.
   *
   * @throws {ValidationError} a malformed URL, or one holding a password.
   * @throws {PermissionError} `--allow-net=HOST:PORT` is missing.
   * @throws {RemoteError} the server is unreachable or refused.
   *
   * @example A URL holding a password is refused, and nothing is set
   * ```ts
   * import { SecretsEngine, ValidationError } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * const path = await Deno.makeTempDir();
   * {
   *   await using engine = await SecretsEngine.open({ path });
   *   await assert.rejects(
   *     engine.setRemote("postgres://ops:hunter2@db.internal/secrets"),
   *     ValidationError,
   *   );
   *   assert.equal(await engine.remote(), null);
   * }
   * Deno.removeSync(path, { recursive: true });
   * ```
   */
  setRemote(url: string, options: SetRemoteOptions = {}): Promise<RemoteSet> {
    return this.#guard.write(() => setRemote(this.#vault, url, options));
  }

  /**
   * Forgets this copy's remote; resolves to whether it had one. Nothing on
   * the server changes.
   *
   * @example Forget a remote that was never set
   * ```ts
   * import { SecretsEngine } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * const path = await Deno.makeTempDir();
   * {
   *   await using engine = await SecretsEngine.open({ path });
   *   assert.equal(await engine.unsetRemote(), false);
   * }
   * Deno.removeSync(path, { recursive: true });
   * ```
   */
  unsetRemote(): Promise<boolean> {
    return this.#guard.write(() => unsetRemote(this.#vault));
  }

  /**
   * Syncs this copy with its remote: pulls the rows other copies pushed
   * (each checked, merged by name against what this copy last saw, and
   * applied in one transaction), then pushes what this copy changed, as
   * one check-and-set on the server. A name both sides changed to
   * different values keeps the remote's (the one it accepted first) and
   * this copy's beside it, reported in `conflicts` on every copy until
   * {@linkcode SecretsEngine.resolve}. `pull: false` only pushes (refused
   * while the remote has changes this copy has not pulled); `push: false`
   * only pulls. Reads and writes never wait for the server: when it is
   * down, only this call fails.
   *
   * @throws {ValidationError} no remote is set, or bad options.
   * @throws {PermissionError} `--allow-net=HOST:PORT` is missing.
   * @throws {RemoteError} the server is unreachable or refused, is behind
   *   what this copy saw (`repair: true` accepts it), or is under another
   *   key; or a row or the head was forged, moved, dropped or rolled back,
   *   and nothing was applied.
   *
   * @example Sync needs a remote
   * ```ts
   * import { SecretsEngine, ValidationError } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * const path = await Deno.makeTempDir();
   * {
   *   await using engine = await SecretsEngine.open({ path });
   *   await assert.rejects(engine.sync(), ValidationError);
   * }
   * Deno.removeSync(path, { recursive: true });
   * ```
   */
  sync(options: SyncOptions = {}): Promise<SyncReport> {
    return this.#guard.write(() => syncVault(this.#vault, options));
  }

  /**
   * Follows this copy's remote until `options.signal` aborts: syncs on
   * every connect and reconnect, whenever a push to the vault commits (a
   * PostgreSQL `NOTIFY`, which carries no data), and every `pollMs` anyway.
   * Each sync is told to `onSync`; an unreachable server to `onError`, and
   * retried with backoff. What it pulls lands in the local vault, so
   * {@linkcode SecretsEngine.watch} here (and `run --watch`) sees a
   * teammate's change within a second.
   *
   * @throws {ValidationError} no remote is set, or bad options.
   * @throws {RemoteError} the server refused, lied, or this copy's member
   *   was removed: the watch ends.
   *
   * @example A watch needs a remote
   * ```ts
   * import { SecretsEngine, ValidationError } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * const path = await Deno.makeTempDir();
   * {
   *   await using engine = await SecretsEngine.open({ path });
   *   await assert.rejects(
   *     engine.syncWatch({ signal: AbortSignal.timeout(1000) }),
   *     ValidationError,
   *   );
   * }
   * Deno.removeSync(path, { recursive: true });
   * ```
   */
  syncWatch(options: SyncWatchOptions = {}): Promise<void> {
    return this.#guard.write(() => syncWatchVault(this.#vault, options));
  }

  /**
   * The merge driver of a git folder remote: git runs it (`secrets
   * merge-driver %O %A %B %P`, registered by the line `setRemote` returns)
   * when two branches changed the same file. A secret's file merges by
   * sync's rules: equal values merge, a side that did not change yields,
   * two real changes keep ours current and theirs beside it (a conflict
   * that `sync` and `status` report until {@linkcode SecretsEngine.resolve});
   * the result is written to `ours`.
   *
   * @throws {RemoteError} the branches are at different key epochs (take the
   *   newer first), or a file is not the vault's: git keeps the conflict.
   *
   * @example The driver takes four paths
   * ```ts
   * import { SecretsEngine, ValidationError } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * const path = await Deno.makeTempDir();
   * {
   *   await using engine = await SecretsEngine.open({ path });
   *   await assert.rejects(
   *     engine.mergeGitFile({ base: "", ours: "", theirs: "", path: "" }),
   *     ValidationError,
   *   );
   * }
   * Deno.removeSync(path, { recursive: true });
   * ```
   */
  mergeGitFile(files: MergeFiles): Promise<MergedFile> {
    return this.#guard.write(() => mergeGitFile(this.#vault, files));
  }

  /**
   * The secrets with values a sync conflict kept beside the current one,
   * sorted by name, each kept value numbered from 1 (the number
   * {@linkcode SecretsEngine.resolve} takes) and marked `mine` when this
   * copy wrote it.
   *
   * @example A vault that never synced has no conflict
   * ```ts
   * import { SecretsEngine } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * const path = await Deno.makeTempDir();
   * {
   *   await using engine = await SecretsEngine.open({ path });
   *   assert.deepEqual(await engine.conflicts(), []);
   * }
   * Deno.removeSync(path, { recursive: true });
   * ```
   */
  conflicts(): Promise<SyncConflict[]> {
    return this.#guard.call(() => listConflicts(this.#vault));
  }

  /**
   * Ends the conflict on `name`: `"remote"` keeps the current value (the
   * one the remote accepted first), `"local"` the value this copy wrote,
   * a number the kept value of that number ({@linkcode SecretsEngine.conflicts}).
   * The choice is a local write: the next sync pushes it, and the conflict
   * ends on every copy that pulls it.
   *
   * @throws {ValidationError} `name` has no conflict, or `keep` names no
   *   kept value.
   *
   * @example Resolving a secret with no conflict is refused
   * ```ts
   * import { SecretsEngine, ValidationError } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * const path = await Deno.makeTempDir();
   * {
   *   await using engine = await SecretsEngine.open({ path });
   *   await engine.set("db.password", "s3cret");
   *   await assert.rejects(engine.resolve("db.password", "remote"), ValidationError);
   * }
   * Deno.removeSync(path, { recursive: true });
   * ```
   */
  resolve(name: string, keep: "local" | "remote" | number): Promise<void> {
    return this.#guard.write(() => resolveConflict(this.#vault, name, keep));
  }

  /**
   * Replaces the data key and this copy's key: every entry re-encrypted
   * (names keep their hashes: the name key is kept), in one transaction
   * with the new wrapped keys. The machine slot and the slot that unlocked
   * this engine are kept, and so is each slot a secret in `keep` opens, and
   * every member; every other slot is removed and returned. Other engines
   * on the vault are closed by it ({@linkcode ClosedError}). `onProgress`
   * is told how many entries are re-encrypted, for a progress display.
   *
   * @example Rotate the data key, removing a shared passphrase
   * ```ts
   * import { SecretsEngine } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * const path = await Deno.makeTempDir();
   * {
   *   await using engine = await SecretsEngine.open({ path });
   *   await engine.set("token", "t-1");
   *   await engine.addPassphrase("old shared passphrase");
   *   const { removed } = await engine.rotate();
   *   assert.equal(removed[0].kind, "passphrase");
   *   assert.equal(await engine.get("token"), "t-1");
   * }
   * Deno.removeSync(path, { recursive: true });
   * ```
   */
  rotate(
    options: { keep?: Unlock[] } & ProgressOptions = {},
  ): Promise<RotateResult> {
    return this.#guard.write(() =>
      rotateKey(this.#vault, options.keep, validateProgress(options))
    );
  }

  /**
   * Seals the vault (checkpoint, then an HMAC of the file into
   * `meta.json`) and closes it, zeroing the keys it held. Idempotent; every
   * other call after it throws {@linkcode ClosedError}. An engine opened
   * with `recover`, or one that met damage, closes without sealing.
   *
   * @example Close, as often as you like
   * ```ts
   * import { SecretsEngine } from "@scope/secrets";
   * const path = await Deno.makeTempDir();
   * const engine = await SecretsEngine.open({ path });
   * await engine.close();
   * await engine.close();
   * Deno.removeSync(path, { recursive: true });
   * ```
   */
  close(): Promise<void> {
    if (this.#guard.closed === null) {
      sealBeforeClose(this.#vault, this.#guard.damaged);
      this.#guard.shutdown();
    }
    return Promise.resolve();
  }

  /**
   * Closes the vault and removes it: first, in one transaction, every entry
   * and key record is deleted and the vault marked destroyed (other engines
   * on it fail from their next call); then its files go, the keyfile first,
   * and the directory if nothing else is in it. Files the engine did not
   * create are left alone. An interrupted destroy is finished by the next
   * open, which then finds no vault. The secrets are gone for good.
   *
   * @example Destroy a vault, which removes its emptied directory too
   * ```ts
   * import { SecretsEngine } from "@scope/secrets";
   * import assert from "node:assert/strict";
   * const path = await Deno.makeTempDir();
   * const engine = await SecretsEngine.open({ path });
   * await engine.destroy();
   * assert.equal(await Deno.stat(path).then(() => true, () => false), false);
   * ```
   */
  destroy(): Promise<void> {
    return this.#guard.call(() => {
      destroyVault(this.#vault);
      this.#guard.shutdown();
    });
  }

  /** Closes the vault: what `await using` calls. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
