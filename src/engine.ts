/**
 * The secrets engine: a machine-bound, encrypted key-value vault.
 *
 * @module
 */

import { join } from "node:path";
import {
  decrypt,
  deriveSubKeys,
  encrypt,
  equalBytes,
  hmacText,
  type SubKeys,
} from "./crypto.ts";
import {
  ClosedError,
  DecryptionError,
  InitializationError,
  KeyNotFoundError,
  ValidationError,
} from "./errors.ts";
import {
  createExclusive,
  FILE_MODE,
  inspectVaultFile,
  prepareVaultDir,
  removeVaultFiles,
  VAULT_FILES,
} from "./fs.ts";
import { globToRegExp } from "./glob.ts";
import {
  type BindingFactor,
  grantedFactors,
  parseFactors,
} from "./identity.ts";
import {
  type Accumulator,
  encodeIntegrity,
  hashDatabase,
  readIntegrity,
  readSeal,
  rowMac,
  verifyVault,
  writeSeal,
  xorInto,
} from "./integrity.ts";
import { createVault, unlockVault } from "./keys.ts";
import { type LocationOptions, resolveVaultPath } from "./location.ts";
import { requireVaultAccess } from "./permissions.ts";
import {
  type EntryRow,
  INTEGRITY_KEY,
  isEmpty,
  SELECT_META,
  type VaultMeta,
} from "./schema.ts";
import { openStore, type Statement, type Store } from "./store.ts";
import { validateName, validatePattern, validateValue } from "./validate.ts";

/** Options for {@linkcode SecretsEngine.open}. */
export interface OpenOptions extends LocationOptions {
  /**
   * The machine facts a new vault is bound to. Default: each of
   * `"hostname"`, `"mac"` and `"user"` whose `--allow-sys` permission is
   * granted. Containers whose MAC changes want `["hostname", "user"]` or
   * `[]`. Ignored when the vault exists: it keeps the factors it was made
   * with.
   */
  factors?: BindingFactor[];
  /**
   * How long a write waits for another writer's lock before
   * {@linkcode BusyError}. Default 5000 ms.
   */
  busyTimeoutMs?: number;
}

/** What {@linkcode SecretsEngine.info} reports. */
export interface VaultInfo {
  /** The vault directory's real path. */
  path: string;
  /** How many secrets it holds. */
  size: number;
  /** The binding factors recorded at creation. */
  factors: BindingFactor[];
  /** The on-disk format version. */
  format: number;
  /**
   * Whether this open found the file exactly as last sealed; `false` means
   * it was verified in full (after an unclean exit, another process's
   * writes, or a first open).
   */
  openedSealed: boolean;
}

/** Secrets to write at once: a record, or name/value pairs. */
export type SecretEntries =
  | Record<string, string>
  | Iterable<readonly [string, string]>;

const DEFAULT_BUSY_TIMEOUT_MS = 5000;
// Names hashed by this engine, kept so repeated lookups skip the HMAC. A
// name's hash never changes, so the memo is never stale; it is only bounded.
const NAME_MEMO_LIMIT = 1 << 17;
const HASH_PREFIX = 8;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

interface Statements {
  selectRow: Statement;
  selectValue: Statement;
  selectNames: Statement;
  selectHashes: Statement;
  upsert: Statement;
  remove: Statement;
  selectMeta: Statement;
  writeIntegrity: Statement;
}

function prepareStatements(store: Store): Statements {
  return {
    selectRow: store.prepare(
      "SELECT name_hash, name, value, created, updated FROM entries WHERE name_hash = ?",
    ),
    selectValue: store.prepare("SELECT value FROM entries WHERE name_hash = ?"),
    selectNames: store.prepare("SELECT name_hash, name FROM entries"),
    selectHashes: store.prepare("SELECT name_hash FROM entries"),
    upsert: store.prepare(
      "INSERT OR REPLACE INTO entries (name_hash, name, value, created, updated) " +
        "VALUES (?, ?, ?, ?, ?)",
    ),
    remove: store.prepare("DELETE FROM entries WHERE name_hash = ?"),
    selectMeta: store.prepare(SELECT_META),
    writeIntegrity: store.prepare("UPDATE meta SET value = ? WHERE key = ?"),
  };
}

function aad(purpose: "name" | "value", hash: string): Uint8Array {
  return encoder.encode(`${purpose}\0${hash}`);
}

function entryLabel(hash: string): string {
  return `entry ${hash.slice(0, HASH_PREFIX)}`;
}

function toPairs(entries: SecretEntries): [string, string][] {
  if (typeof entries !== "object" || entries === null) {
    throw new ValidationError(
      "entries must be a record or an iterable of pairs",
    );
  }
  const pairs = Symbol.iterator in entries
    ? Array.from(entries as Iterable<readonly [string, string]>)
    : Object.entries(entries);
  return pairs.map((pair) => {
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new ValidationError("each entry must be a [name, value] pair");
    }
    return [validateName(pair[0]), validateValue(pair[1])];
  });
}

function toNames(names: Iterable<string>): string[] {
  if (
    typeof names !== "object" || names === null || !(Symbol.iterator in names)
  ) {
    throw new ValidationError("names must be an iterable of strings");
  }
  return Array.from(names, validateName);
}

function checkOptions(
  options: OpenOptions,
): { factors: BindingFactor[]; busyTimeoutMs: number } {
  if (typeof options !== "object" || options === null) {
    throw new ValidationError("options must be an object");
  }
  const { path, location } = options;
  if (path !== undefined && (typeof path !== "string" || path === "")) {
    throw new ValidationError("path must be a non-empty string");
  }
  if (location !== undefined && location !== "home" && location !== "xdg") {
    throw new ValidationError('location must be "home" or "xdg"');
  }
  const factors = options.factors === undefined
    ? grantedFactors()
    : parseFactors(options.factors);
  if (factors === null) {
    throw new ValidationError(
      'factors must be a list of "hostname", "mac" and "user"',
    );
  }
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new ValidationError(
      "busyTimeoutMs must be a whole number of milliseconds",
    );
  }
  return { factors, busyTimeoutMs };
}

/** The database's path and which vault files were present when checked. */
interface VaultFiles {
  database: string;
  present: Set<string>;
}

/**
 * Checks every vault file once and returns the database's path, creating it
 * (mode 0600, before SQLite can create it with its own) when the vault is
 * new. A missing database beside a keyfile is refused: it held secrets.
 */
function prepareVaultFiles(dir: string): VaultFiles {
  const present = new Set(
    Object.values(VAULT_FILES).filter((name) =>
      inspectVaultFile(join(dir, name))
    ),
  );
  const database = join(dir, VAULT_FILES.database);
  if (present.has(VAULT_FILES.database)) return { database, present };
  if (present.has(VAULT_FILES.keyfile)) {
    throw new InitializationError(
      "store.db is missing but the keyfile is not: restore store.db, or destroy the vault to start over",
    );
  }
  try {
    createExclusive(database, FILE_MODE);
  } catch (error) {
    // Another process is creating the same vault at this moment.
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
  }
  return { database, present };
}

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
 * import { SecretsEngine } from "./engine.ts";
 *
 * const path = await Deno.makeTempDir();
 * {
 *   await using engine = await SecretsEngine.open({ path });
 *   await engine.set("openai.apiKey", "sk-example");
 *   console.assert(await engine.get("openai.apiKey") === "sk-example");
 * }
 * await Deno.remove(path, { recursive: true });
 * ```
 */
export class SecretsEngine implements AsyncDisposable {
  readonly #dir: string;
  readonly #store: Store;
  readonly #keys: SubKeys;
  readonly #meta: VaultMeta;
  #openedSealed = false;
  readonly #sql: Statements;
  #closed = false;
  #memo = new Map<string, string>();
  // Every entry's hash, with its clear name once decrypted: loaded on
  // demand, reloaded when another connection commits.
  #index: Map<string, string | undefined> | null = null;
  #seenVersion: number;

  private constructor(
    dir: string,
    store: Store,
    keys: SubKeys,
    meta: VaultMeta,
  ) {
    this.#dir = dir;
    this.#store = store;
    this.#keys = keys;
    this.#meta = meta;
    this.#sql = prepareStatements(store);
    this.#seenVersion = store.dataVersion();
  }

  /**
   * Opens the vault, creating it on first use. Resolves the location
   * (`path`, else `location`, else `$XDG_CONFIG_HOME/secrets-engine` when
   * set, else `~/.secrets-engine`), checks permissions, modes and
   * integrity, and unlocks the data key.
   *
   * @throws {PermissionError} a needed `--allow-*` flag is missing; the
   *   message names it.
   * @throws {SecurityError} a vault file is a symlink or has group/other
   *   access.
   * @throws {KeyMismatchError} the keyfile or machine identity changed.
   * @throws {IntegrityError} the vault was changed outside the engine.
   * @throws {InitializationError} the vault is incomplete or of a newer
   *   format.
   *
   * @example
   * ```ts
   * import { SecretsEngine } from "./engine.ts";
   * const path = await Deno.makeTempDir();
   * const engine = await SecretsEngine.open({ path, factors: [] });
   * await engine.close();
   * await Deno.remove(path, { recursive: true });
   * ```
   */
  static async open(options: OpenOptions = {}): Promise<SecretsEngine> {
    try {
      return await SecretsEngine.#open(options);
    } catch (error) {
      if (error instanceof Deno.errors.PermissionDenied) {
        throw new InitializationError(
          `the operating system denied access to the vault: ${error.message}`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  static async #open(options: OpenOptions): Promise<SecretsEngine> {
    const { factors, busyTimeoutMs } = checkOptions(options);
    const path = resolveVaultPath(options);
    requireVaultAccess(path);
    const dir = prepareVaultDir(path);
    if (dir !== path) requireVaultAccess(dir);
    const { database, present } = prepareVaultFiles(dir);
    const store = openStore(database, { busyTimeoutMs });
    try {
      const empty = isEmpty(store);
      // The seal is first written just after creation commits: an empty
      // database beside one lost its contents, it was never half-created.
      if (empty && present.has(VAULT_FILES.seal)) {
        throw new InitializationError(
          "store.db is empty but the vault was sealed before: restore store.db, or destroy the vault to start over",
        );
      }
      const created = empty ? await createVault(store, dir, factors) : null;
      const { meta, dek } = created ??
        await unlockVault(store, dir);
      const engine = new SecretsEngine(
        dir,
        store,
        deriveSubKeys(dek),
        meta,
      );
      engine.#openedSealed = engine.#settle();
      return engine;
    } catch (error) {
      store.close();
      throw error;
    }
  }

  /** The vault directory's absolute real path. */
  get storagePath(): string {
    return this.#dir;
  }

  /** How many secrets the vault holds now. */
  get size(): number {
    this.#ensureOpen();
    return this.#entries().size;
  }

  /**
   * The value stored under `name`, or `null` when there is none.
   *
   * @throws {DecryptionError} the stored ciphertext was altered or moved.
   *
   * @example
   * ```ts
   * import { SecretsEngine } from "./engine.ts";
   * const path = await Deno.makeTempDir();
   * await using engine = await SecretsEngine.open({ path });
   * console.assert(await engine.get("missing") === null);
   * ```
   */
  get(name: string): Promise<string | null> {
    return this.#run(() => this.#get(name));
  }

  /**
   * Like {@linkcode SecretsEngine.get}, but a missing secret is
   * {@linkcode KeyNotFoundError}.
   *
   * @example
   * ```ts
   * import { SecretsEngine } from "./engine.ts";
   * const path = await Deno.makeTempDir();
   * await using engine = await SecretsEngine.open({ path });
   * await engine.set("db.password", "hunter2");
   * console.assert(await engine.getOrThrow("db.password") === "hunter2");
   * ```
   */
  getOrThrow(name: string): Promise<string> {
    return this.#run(() => {
      const value = this.#get(name);
      if (value === null) {
        throw new KeyNotFoundError(
          `no secret under ${entryLabel(this.#hashOf(name))}`,
        );
      }
      return value;
    });
  }

  /**
   * Stores `value` under `name`, replacing any value there. The write is
   * durable when the promise resolves.
   *
   * @throws {ValidationError} the name or value is not acceptable; nothing
   *   was written.
   * @throws {BusyError} another writer held the lock past the timeout.
   *
   * @example
   * ```ts
   * import { SecretsEngine } from "./engine.ts";
   * const path = await Deno.makeTempDir();
   * await using engine = await SecretsEngine.open({ path });
   * await engine.set("github.token", "ghp_example");
   * ```
   */
  set(name: string, value: string): Promise<void> {
    return this.setMany([[name, value]]);
  }

  /**
   * Stores several secrets in one transaction: all of them or, on any
   * error, none. Every entry is validated before anything is written; a
   * name given twice takes its last value.
   *
   * @example
   * ```ts
   * import { SecretsEngine } from "./engine.ts";
   * const path = await Deno.makeTempDir();
   * await using engine = await SecretsEngine.open({ path });
   * await engine.setMany({ "aws.id": "AKIA", "aws.secret": "wJal" });
   * console.assert(engine.size === 2);
   * ```
   */
  setMany(entries: SecretEntries): Promise<void> {
    return this.#run(() => {
      const pairs = toPairs(entries).map(([name, value]) => ({
        name,
        hash: this.#hashOf(name),
        value: encoder.encode(value),
      }));
      const now = Date.now();
      this.#write((acc) => {
        for (const pair of pairs) {
          this.#put(acc, pair.hash, pair.name, pair.value, now);
        }
      });
      for (const { hash, name } of pairs) {
        this.#index?.set(hash, name);
      }
    });
  }

  /**
   * Whether a secret is stored under `name`, without decrypting anything.
   *
   * @example
   * ```ts
   * import { SecretsEngine } from "./engine.ts";
   * const path = await Deno.makeTempDir();
   * await using engine = await SecretsEngine.open({ path });
   * console.assert(!(await engine.has("stripe.key")));
   * ```
   */
  has(name: string): Promise<boolean> {
    return this.#run(() => this.#entries().has(this.#hashOf(name)));
  }

  /**
   * Removes the secret under `name`; `false` when there was none.
   *
   * @example
   * ```ts
   * import { SecretsEngine } from "./engine.ts";
   * const path = await Deno.makeTempDir();
   * await using engine = await SecretsEngine.open({ path });
   * console.assert(!(await engine.delete("never.set")));
   * ```
   */
  async delete(name: string): Promise<boolean> {
    return await this.deleteMany([name]) === 1;
  }

  /**
   * Removes several secrets in one transaction, returning how many existed.
   *
   * @example
   * ```ts
   * import { SecretsEngine } from "./engine.ts";
   * const path = await Deno.makeTempDir();
   * await using engine = await SecretsEngine.open({ path });
   * await engine.setMany({ "a.one": "1", "a.two": "2" });
   * console.assert(await engine.deleteMany(["a.one", "a.two", "a.three"]) === 2);
   * ```
   */
  deleteMany(names: Iterable<string>): Promise<number> {
    return this.#run(() => {
      const hashes = toNames(names).map((name) => this.#hashOf(name));
      const removed = this.#write((acc) =>
        hashes.filter((hash) => this.#remove(acc, hash))
      );
      for (const hash of removed) {
        this.#index?.delete(hash);
      }
      return removed.length;
    });
  }

  /**
   * The names of the stored secrets, sorted, optionally filtered by a
   * glob: `*` within one dot-separated segment, `**` across segments, `?`
   * one character.
   *
   * @example
   * ```ts
   * import { SecretsEngine } from "./engine.ts";
   * const path = await Deno.makeTempDir();
   * await using engine = await SecretsEngine.open({ path });
   * await engine.setMany({ "openai.apiKey": "sk", "openai.org.id": "org", "aws.id": "AKIA" });
   * console.assert((await engine.keys("openai.*")).join() === "openai.apiKey");
   * console.assert((await engine.keys("openai.**")).length === 2);
   * ```
   */
  keys(pattern?: string): Promise<string[]> {
    return this.#run(() => {
      const matcher = pattern === undefined
        ? null
        : globToRegExp(validatePattern(pattern));
      const names = this.#allNames();
      return (matcher ? names.filter((name) => matcher.test(name)) : names)
        .sort();
    });
  }

  /**
   * Facts about the vault for diagnostics: where it is, how many entries it
   * holds, what it is bound to, its format, and whether this open found it
   * exactly as last sealed (the fast path) or verified it in full.
   *
   * @example
   * ```ts
   * import { SecretsEngine } from "./engine.ts";
   * const path = await Deno.makeTempDir();
   * await using engine = await SecretsEngine.open({ path, factors: [] });
   * console.assert((await engine.info()).factors.length === 0);
   * ```
   */
  info(): Promise<VaultInfo> {
    return this.#run(() => ({
      path: this.#dir,
      size: this.#entries().size,
      factors: [...this.#meta.factors],
      format: this.#meta.format,
      openedSealed: this.#openedSealed,
    }));
  }

  /**
   * Seals the vault (checkpoint, then an HMAC of the file into
   * `meta.json`) and closes it. Idempotent; every other call after it
   * throws {@linkcode ClosedError}.
   *
   * @example
   * ```ts
   * import { SecretsEngine } from "./engine.ts";
   * const path = await Deno.makeTempDir();
   * const engine = await SecretsEngine.open({ path });
   * await engine.close();
   * await engine.close();
   * ```
   */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    try {
      this.#sealIfStable(this.#store.dataVersion());
    } catch {
      // The seal only lets the next open skip full verification; failing to
      // write it loses nothing, so it must not fail the close.
    } finally {
      this.#store.close();
    }
    return Promise.resolve();
  }

  /**
   * Closes the vault and removes its files: the keyfile, the database with
   * its WAL and SHM, and `meta.json`, then the directory if nothing else is
   * in it. Files the engine did not create are left alone. The secrets are
   * gone for good.
   *
   * @example
   * ```ts
   * import { SecretsEngine } from "./engine.ts";
   * const path = await Deno.makeTempDir();
   * const engine = await SecretsEngine.open({ path });
   * await engine.destroy();
   * ```
   */
  destroy(): Promise<void> {
    return this.#run(() => {
      this.#closed = true;
      this.#store.close();
      removeVaultFiles(this.#dir);
    });
  }

  /** Closes the vault: what `await using` calls. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #ensureOpen(): void {
    if (this.#closed) throw new ClosedError();
  }

  #run<T>(fn: () => T): Promise<T> {
    try {
      this.#ensureOpen();
      return Promise.resolve(fn());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The name's hash; validates the name unless it was seen before. */
  #hashOf(name: string): string {
    let hash = this.#memo.get(name);
    if (hash === undefined) {
      validateName(name);
      if (this.#memo.size >= NAME_MEMO_LIMIT) this.#memo.clear();
      hash = hmacText(this.#keys.index, name);
      this.#memo.set(name, hash);
    }
    return hash;
  }

  #get(name: string): string | null {
    const hash = this.#hashOf(name);
    const row = this.#sql.selectValue.get(hash);
    if (row === undefined) return null;
    return decoder.decode(this.#decrypt("value", hash, row.value));
  }

  #decrypt(
    purpose: "name" | "value",
    hash: string,
    sealed: unknown,
  ): Uint8Array {
    const plain = sealed instanceof Uint8Array
      ? decrypt(this.#keys.value, sealed, aad(purpose, hash))
      : null;
    if (plain === null) {
      throw new DecryptionError(
        `the ${purpose} of ${
          entryLabel(hash)
        } does not decrypt: it was altered or moved`,
      );
    }
    return plain;
  }

  /**
   * The index, current as of this call. A reload keeps the names already
   * decrypted, so another process's write costs one scan of the hashes,
   * not a decryption of every name.
   */
  #entries(): Map<string, string | undefined> {
    const version = this.#store.dataVersion();
    if (version !== this.#seenVersion || this.#index === null) {
      const previous = this.#index;
      const index = new Map<string, string | undefined>();
      for (const row of this.#sql.selectHashes.iterate()) {
        const hash = row.name_hash as string;
        index.set(hash, previous?.get(hash));
      }
      this.#index = index;
      this.#seenVersion = version;
    }
    return this.#index;
  }

  /** Every clear name; decrypts only those not seen before. */
  #allNames(): string[] {
    const index = this.#entries();
    for (const name of index.values()) {
      if (name === undefined) {
        this.#decryptNames(index);
        break;
      }
    }
    return [...index.values()].filter((name) => name !== undefined);
  }

  #decryptNames(index: Map<string, string | undefined>): void {
    for (const row of this.#sql.selectNames.iterate()) {
      const hash = row.name_hash as string;
      if (index.has(hash) && index.get(hash) === undefined) {
        index.set(hash, decoder.decode(this.#decrypt("name", hash, row.name)));
      }
    }
  }

  /**
   * Runs `change` in one write transaction with the integrity accumulator
   * read (its tag checked) and written back inside it, so concurrent
   * writers never see or leave a stale one.
   */
  #write<T>(change: (acc: Accumulator) => T): T {
    return this.#store.transaction(() => {
      const acc = readIntegrity(this.#sql.selectMeta, this.#keys.tag);
      const result = change(acc);
      this.#sql.writeIntegrity.run(
        encodeIntegrity(this.#keys.tag, acc),
        INTEGRITY_KEY,
      );
      return result;
    });
  }

  #put(
    acc: Accumulator,
    hash: string,
    name: string,
    value: Uint8Array,
    now: number,
  ): void {
    const old = this.#sql.selectRow.get(hash) as EntryRow | undefined;
    if (old) xorInto(acc.x, rowMac(this.#keys.row, old));
    else acc.count++;
    const row: EntryRow = {
      name_hash: hash,
      name: old?.name ??
        encrypt(this.#keys.value, encoder.encode(name), aad("name", hash)),
      value: encrypt(this.#keys.value, value, aad("value", hash)),
      created: old?.created ?? now,
      updated: now,
    };
    xorInto(acc.x, rowMac(this.#keys.row, row));
    this.#sql.upsert.run(
      row.name_hash,
      row.name,
      row.value,
      row.created,
      row.updated,
    );
  }

  #remove(acc: Accumulator, hash: string): boolean {
    const old = this.#sql.selectRow.get(hash) as EntryRow | undefined;
    if (!old) return false;
    xorInto(acc.x, rowMac(this.#keys.row, old));
    acc.count--;
    this.#sql.remove.run(hash);
    return true;
  }

  /**
   * Open's integrity step: a file that matches its seal is exactly as last
   * closed; anything else (an unclean exit, another process writing,
   * tampering) is verified in full and, if it holds, sealed anew.
   */
  #settle(): boolean {
    const version = this.#store.dataVersion();
    const current = this.#sealable();
    const seal = readSeal(this.#dir);
    if (current && seal && equalBytes(current, seal)) return true;
    verifyVault(this.#store, this.#keys);
    if (current && this.#store.dataVersion() === version) {
      writeSeal(this.#dir, current, this.#meta.format);
    }
    return false;
  }

  /** Checkpoints and hashes the file; `null` when the checkpoint was partial. */
  #sealable(): Uint8Array | null {
    if (!this.#store.checkpoint()) return null;
    return hashDatabase(this.#keys.seal, join(this.#dir, VAULT_FILES.database));
  }

  /**
   * Seals the file only when no other connection committed since `version`:
   * a seal must describe a state this engine can vouch for.
   */
  #sealIfStable(version: number): void {
    const current = this.#sealable();
    if (current && this.#store.dataVersion() === version) {
      writeSeal(this.#dir, current, this.#meta.format);
    }
  }
}
