/**
 * What the caller can do about an error, as data, and its words in the
 * library's own terms; a leaf beside `errors.ts`, whose errors carry it.
 *
 * @module
 */

/**
 * What the caller can do about an error, as data: the library words it at
 * the end of its message in its own terms (`open it with recover: true`),
 * and a command line can word it in its own (`run secrets recover`)
 * without reading the message.
 *
 * @example Word the way out in your own terms
 * ```ts
 * import { IntegrityError } from "@scope/secrets";
 * import assert from "node:assert/strict";
 * const error = new IntegrityError("the integrity tag does not verify", {
 *   remedy: { kind: "recover" },
 * });
 * assert.equal(error.problem, "the integrity tag does not verify");
 * assert.equal(error.message, "the integrity tag does not verify: open it with recover: true");
 * ```
 */
export type Remedy =
  /** Open the vault with `recover: true`, which reads what is intact. */
  | { kind: "recover" }
  /** Pass `overwrite` to replace what the vault holds. */
  | { kind: "overwrite" }
  /** `slots()` lists the key slots. */
  | { kind: "list-slots" }
  /** `members()` lists the members. */
  | { kind: "list-members" }
  /** Give the remote role's password, which the server asked for. */
  | { kind: "remote-password" }
  /** Sync later: the server is unreachable, and the vault works offline. */
  | { kind: "remote-offline" }
  /** Pull first: the remote has changes this copy has not seen. */
  | { kind: "pull-first" }
  /** After a failover or restore, accept the remote as it is. */
  | { kind: "remote-behind" }
  /** Open the vault with `unlock` (a passphrase, key or identity). */
  | { kind: "unlock" }
  /** Finish an interrupted destroy with `SecretsEngine.destroyVault`. */
  | { kind: "destroy-vault" }
  /** Give the vault's `path` instead of a default location. */
  | { kind: "path" }
  /** Run with the Deno flag `flag` (or, with `orPath`, give a `path`). */
  | { kind: "permission"; flag: string; orPath?: boolean };

/**
 * A remedy in the library's own terms, as its message ends with it.
 *
 * @example Word a remedy in the library's terms
 * ```ts
 * import { libraryRemedy } from "@scope/secrets";
 * import assert from "node:assert/strict";
 * assert.equal(libraryRemedy({ kind: "overwrite" }), "pass overwrite to replace them");
 * ```
 */
export function libraryRemedy(remedy: Remedy): string {
  switch (remedy.kind) {
    case "recover":
      return "open it with recover: true";
    case "overwrite":
      return "pass overwrite to replace them";
    case "list-slots":
      return "slots() lists them";
    case "list-members":
      return "members() lists them";
    case "remote-password":
      return "pass the role's password";
    case "remote-offline":
      return "sync again once it answers; the vault reads and writes meanwhile";
    case "pull-first":
      return "call sync(), which pulls before it pushes";
    case "remote-behind":
      return "after a failover or restore of the remote, sync({ repair: true }) accepts it";
    case "unlock":
      return "open it with unlock";
    case "destroy-vault":
      return "finish with SecretsEngine.destroyVault";
    case "path":
      return "pass `path`";
    case "permission":
      return `${
        remedy.orPath ? "pass `path`, or " : ""
      }run with ${remedy.flag}`;
  }
}
