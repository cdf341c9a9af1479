/**
 * A library error in the CLI's words: the problem as the library says it,
 * and the remedy, which the error carries as data, in the terms of a user
 * at a shell (flags and commands, not options and methods). No message
 * text is read or rewritten.
 *
 * @module
 */

import type { Remedy, SecretsEngineError } from "../../mod.ts";

/**
 * A remedy as the CLI says it.
 */
function cliRemedy(remedy: Remedy): string {
  switch (remedy.kind) {
    case "recover":
      return "run secrets recover";
    case "overwrite":
      return "pass --overwrite to replace them";
    case "list-slots":
      return "secrets slots lists them";
    case "list-members":
      return "secrets members lists them";
    case "remote-password":
      return "set PGPASSWORD or a ~/.pgpass line, or run at a terminal to type it";
    case "remote-offline":
      return "sync again once it answers; the vault reads and writes meanwhile";
    case "pull-first":
      return "run secrets sync, which pulls before it pushes";
    case "remote-behind":
      return "after a failover or restore of the remote, secrets sync --repair accepts it";
    case "unlock":
      return "pass --passphrase, --key-file, --key-env or --identity";
    case "destroy-vault":
      return "finish with secrets destroy --yes";
    case "path":
      return "pass --path DIR";
    case "permission":
      return `${
        remedy.orPath ? "pass --path DIR, or " : ""
      }run with ${remedy.flag}`;
  }
}

/**
 * `error`'s message in the CLI's words: its problem, then its remedy as
 * the CLI says it.
 *
 * @example Print an error with its remedy in the CLI's terms
 * ```ts
 * import { cliMessage } from "./wording.ts";
 * import { ValidationError } from "@scope/secrets";
 * import assert from "node:assert/strict";
 * const error = new ValidationError("the vault already holds \"a\"", {
 *   remedy: { kind: "overwrite" },
 * });
 * assert.equal(cliMessage(error), "the vault already holds \"a\": pass --overwrite to replace them");
 * ```
 */
export function cliMessage(error: SecretsEngineError): string {
  return error.remedy === null
    ? error.problem
    : `${error.problem}: ${cliRemedy(error.remedy)}`;
}
