/**
 * Keep an application's secrets encrypted on the machine that uses them.
 *
 * A vault is a directory holding a SQLite database (WAL mode, durable
 * commits) in which both the names and the values of secrets are encrypted
 * with AES-256-GCM under a data key wrapped in key slots: by default one
 * derived from a random keyfile (and, if asked, the hostname and user),
 * and as many passphrases and printed recovery keys as you add; any one
 * slot opens the vault. Every write
 * keeps an integrity accumulator up to date in the same transaction, so a
 * crash at any instant leaves a vault that opens, and tampering is detected;
 * a vault that fails verification still gives up its intact secrets with
 * `open({ recover: true })`.
 *
 * Run with `--allow-read=<vault> --allow-write=<vault>` and nothing more.
 * The `secrets` command line is the `./cli` export.
 *
 * @example Quick start
 * ```ts
 * import { SecretsEngine } from "@scope/secrets";
 * import assert from "node:assert/strict";
 *
 * const path = await Deno.makeTempDir();
 * {
 *   await using engine = await SecretsEngine.open({ path });
 *   await engine.set("openai.apiKey", "sk-example");
 *   assert.equal(await engine.get("openai.apiKey"), "sk-example");
 *   assert.equal((await engine.keys("openai.*")).length, 1);
 * }
 * await Deno.remove(path, { recursive: true });
 * ```
 *
 * @example Never locked out: a recovery key
 * ```ts
 * import { SecretsEngine } from "@scope/secrets";
 * import assert from "node:assert/strict";
 *
 * const path = await Deno.makeTempDir();
 * {
 *   let key = "";
 *   {
 *     await using engine = await SecretsEngine.open({ path });
 *     await engine.set("db.password", "pw");
 *     ({ key } = await engine.addKey({ label: "recovery" })); // store it offline
 *   }
 *   await Deno.remove(`${path}/.keyfile`); // the lost-keyfile day
 *   {
 *     await using engine = await SecretsEngine.open({ path, unlock: { key } });
 *     await engine.rebind(); // a new keyfile: plain opens work again
 *   }
 *   await using engine = await SecretsEngine.open({ path });
 *   assert.equal(await engine.get("db.password"), "pw");
 * }
 * Deno.removeSync(path, { recursive: true });
 * ```
 *
 * @module
 */

export { SecretsEngine } from "./src/secrets_engine.ts";
export type {
  Annotation,
  AnnotationChange,
  BindingFactor,
  ExpiryOptions,
  ExportDocument,
  ExportedEntry,
  ExportedVersion,
  ExportOptions,
  Location,
  LocationOptions,
  MemberInfo,
  MemberKind,
  ProgressListener,
  ProgressOptions,
  SecretEntries,
  SecretValue,
  SetOptions,
  SlotInfo,
  SlotKind,
  Unlock,
  ValueKind,
} from "./src/types.ts";
export type { VaultInfo } from "./src/vault/info.ts";
export type { OpenOptions } from "./src/vault/open_options.ts";
export type {
  SecretEntry,
  SecretMeta,
  SecretVersion,
  VersionInfo,
} from "./src/vault/read.ts";
export type { RecoveryReport } from "./src/vault/recover.ts";
export {
  type SecretChange,
  WATCH_POLL_MS,
  type WatchOptions,
} from "./src/vault/watch.ts";
export {
  DEFAULT_STATUS_WINDOW_MS,
  type SecretStatus,
  type StatusOptions,
  type StatusState,
} from "./src/vault/status.ts";
export type { RotateResult } from "./src/vault/rotate.ts";
export type { RemovedMembers } from "./src/vault/members.ts";
export type {
  RemoteInfo,
  RemoteSet,
  SetRemoteOptions,
} from "./src/vault/remote.ts";
export type { SyncOptions, SyncReport } from "./src/vault/sync.ts";
export type { SyncWatchOptions } from "./src/vault/sync_watch.ts";
export type { MergedFile, MergeFiles } from "./src/vault/merge_driver.ts";
export type { CloneOptions } from "./src/vault/clone.ts";
export type { KeptValue, SyncConflict } from "./src/vault/conflicts.ts";
export type { AddedKey } from "./src/vault/slots.ts";
export {
  BusyError,
  ClosedError,
  DecryptionError,
  type ErrorCode,
  InitializationError,
  IntegrityError,
  KeyMismatchError,
  KeyNotFoundError,
  PermissionError,
  RemoteError,
  SecretsEngineError,
  type SecretsEngineErrorOptions,
  SecurityError,
  StorageError,
  ValidationError,
  VaultNotFoundError,
} from "./src/errors.ts";
export { libraryRemedy, type Remedy } from "./src/remedy.ts";
export {
  DEFAULT_HISTORY_LIMIT,
  MAX_HISTORY_LIMIT,
  MAX_NAME_BYTES,
  MAX_NOTE_BYTES,
  MAX_PATTERN_LENGTH,
  MAX_SLOTS,
  MAX_TAG_LENGTH,
  MAX_TAGS,
  MAX_VALUE_BYTES,
} from "./src/limits.ts";
