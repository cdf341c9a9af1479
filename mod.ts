/**
 * Keep an application's secrets encrypted on the machine that uses them.
 *
 * A vault is a directory holding a SQLite database (WAL mode, durable
 * commits) in which both the names and the values of secrets are encrypted
 * with AES-256-GCM under a data key that is itself wrapped by a key derived
 * from a keyfile and, where Deno grants it, facts about the machine. Every
 * write keeps an integrity accumulator up to date in the same transaction,
 * so a crash at any instant leaves a vault that opens, and tampering is
 * detected.
 *
 * Run with `--allow-read=<vault> --allow-write=<vault>` and nothing more.
 *
 * @example Quick start
 * ```ts
 * import { SecretsEngine } from "./mod.ts";
 *
 * const path = await Deno.makeTempDir();
 * {
 *   await using engine = await SecretsEngine.open({ path });
 *   await engine.set("openai.apiKey", "sk-example");
 *   console.assert(await engine.get("openai.apiKey") === "sk-example");
 *   console.assert((await engine.keys("openai.*")).length === 1);
 * }
 * await Deno.remove(path, { recursive: true });
 * ```
 *
 * @module
 */

export {
  type OpenOptions,
  type RecoveryReport,
  type SecretEntries,
  SecretsEngine,
  type VaultInfo,
} from "./src/engine.ts";
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
  SecretsEngineError,
  SecurityError,
  StorageError,
  ValidationError,
  VaultNotFoundError,
} from "./src/errors.ts";
export type { BindingFactor } from "./src/keys/factors.ts";
export type { Location, LocationOptions } from "./src/storage/location.ts";
export {
  MAX_NAME_BYTES,
  MAX_PATTERN_LENGTH,
  MAX_VALUE_BYTES,
} from "./src/limits.ts";
