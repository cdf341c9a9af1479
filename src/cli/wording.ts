/**
 * The CLI's words for what a library message says in the library's: a
 * user at a shell passes flags, not options, and runs commands, not
 * methods.
 *
 * @module
 */

const PHRASES: readonly (readonly [RegExp, string])[] = [
  [/pass overwrite to replace them/g, "pass --overwrite to replace them"],
  [/slots\(\) lists them/g, "secrets slots lists them"],
  [/pass `path`/g, "pass --path DIR"],
  [/open it with recover: true/g, "run secrets recover"],
  [/opened with recover: true/g, "opened for recovery"],
  [/\(open with unlock\)/g, "(--passphrase, --key-file or --key-env)"],
  [/open with unlock$/g, "pass --passphrase, --key-file or --key-env"],
  [/SecretsEngine\.destroyVault/g, "secrets destroy --yes"],
];

/**
 * `message` in the CLI's words.
 *
 * @example Calling cliWording
 * ```ts
 * import { cliWording } from "./wording.ts";
 * import assert from "node:assert/strict";
 * assert.equal(cliWording("pass overwrite to replace them"), "pass --overwrite to replace them");
 * ```
 */
export function cliWording(message: string): string {
  return PHRASES.reduce((text, [from, to]) => text.replace(from, to), message);
}
