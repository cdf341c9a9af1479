/**
 * The CLI's words for what a library message says in the library's: a
 * user at a shell passes flags, not options, and runs commands, not
 * methods.
 *
 * @module
 */

const PHRASES: readonly (readonly [RegExp, string])[] = [
  [/pass overwrite to replace them/g, "pass --overwrite to replace them"],
  [
    /slots\(\) \(on the command line, secrets slots\) lists them/g,
    "secrets slots lists them",
  ],
  [/pass `path`/g, "pass --path DIR"],
  [/open it with recover: true/g, "run secrets recover"],
  [/opened with recover: true/g, "opened for recovery"],
  [
    /the unlock option; on the command line (--passphrase, --key-file or --key-env)/g,
    "$1",
  ],
  [
    /pass the unlock option \(on the command line (--passphrase, --key-file or --key-env)\)/g,
    "pass $1",
  ],
  [
    /SecretsEngine\.destroyVault \(on the command line: (secrets destroy --yes)\)/g,
    "$1",
  ],
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
