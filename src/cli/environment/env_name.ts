/**
 * The rule that turns a secret name into an environment variable name, as
 * `secrets run` and `secrets export --format env` apply it.
 *
 * 1. A word boundary inside camelCase becomes `_`: `apiKey` → `api_Key`,
 *    `HTTPServer` → `HTTP_Server`.
 * 2. Every run of characters other than ASCII letters and digits becomes
 *    `_`: `openai.api-key` → `openai_api_key`.
 * 3. Leading and trailing `_` are dropped, and the result is upper-cased; a
 *    leading digit gets a `_` in front.
 *
 * So `openai.apiKey` → `OPENAI_API_KEY`, `db.password` → `DB_PASSWORD`.
 *
 * @module
 */

import { ValidationError } from "../../errors.ts";

/**
 * The environment variable name for a secret name, by the rule above.
 * Throws {@linkcode ValidationError} when nothing of the name survives it.
 *
 * @example Turn a secret name into a variable name
 * ```ts
 * import { toEnvName } from "./env_name.ts";
 * import assert from "node:assert/strict";
 * assert.equal(toEnvName("openai.apiKey"), "OPENAI_API_KEY");
 * ```
 */
export function toEnvName(name: string): string {
  const env = name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .replace(/[^A-Za-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .toUpperCase();
  if (env === "") {
    throw new ValidationError(
      "a secret name has no letters or digits to make an environment name from",
    );
  }
  return /^[0-9]/.test(env) ? `_${env}` : env;
}

/**
 * Maps each secret name to its environment name, refusing two secrets that
 * would land on the same variable: the error names both.
 *
 * @example Map several names, refusing two that collide
 * ```ts
 * import { toEnvNames } from "./env_name.ts";
 * import assert from "node:assert/strict";
 * const names = toEnvNames(["db.password", "openai.apiKey"]);
 * assert.equal(names.get("db.password"), "DB_PASSWORD");
 * ```
 */
export function toEnvNames(names: readonly string[]): Map<string, string> {
  const byEnv = new Map<string, string>();
  const result = new Map<string, string>();
  for (const name of names) {
    const env = toEnvName(name);
    const other = byEnv.get(env);
    if (other !== undefined) {
      throw new ValidationError(
        `secrets "${other}" and "${name}" both map to ${env}: rename one, or narrow with --only`,
      );
    }
    byEnv.set(env, name);
    result.set(name, env);
  }
  return result;
}

/**
 * Maps names to environment names like {@linkcode toEnvNames}, setting
 * aside (rather than failing on) names with nothing to keep, such as a name
 * written only in another script.
 *
 * @example Set aside names that make no variable
 * ```ts
 * import { splitEnvNames } from "./env_name.ts";
 * import assert from "node:assert/strict";
 * const { mapped, unmapped } = splitEnvNames(["db.url", "パスワード"]);
 * assert.ok(mapped.get("db.url") === "DB_URL" && unmapped[0] === "パスワード");
 * ```
 */
export function splitEnvNames(
  names: readonly string[],
): { mapped: Map<string, string>; unmapped: string[] } {
  const hasEnvName = (name: string) => /[A-Za-z0-9]/.test(name);
  return {
    mapped: toEnvNames(names.filter(hasEnvName)),
    unmapped: names.filter((name) => !hasEnvName(name)),
  };
}
