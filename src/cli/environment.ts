/**
 * Secrets as environment variables, for `run` and `export`: which secrets
 * (every one, or those the patterns select), and under which names.
 *
 * @module
 */

import type { SecretsEngine } from "../engine.ts";
import { Failure } from "./command.ts";
import { splitEnvNames } from "./env_name.ts";
import { warn } from "./io.ts";

/**
 * The names and values of the secrets `patterns` select (every secret when
 * there is none); a pattern that selects nothing is a {@linkcode Failure}.
 */
export async function readSecrets(
  vault: SecretsEngine,
  patterns: readonly string[] = [],
): Promise<[string, string][]> {
  const names = new Set<string>();
  for (const pattern of patterns) {
    const matched = await vault.keys(pattern);
    if (matched.length === 0) {
      throw new Failure(`the pattern ${pattern} matches no secret`);
    }
    for (const name of matched) names.add(name);
  }
  const selected = patterns.length > 0 ? [...names] : await vault.keys();
  const pairs: [string, string][] = [];
  for (const name of selected.sort()) {
    const value = await vault.get(name);
    if (value !== null) pairs.push([name, value]);
  }
  return pairs;
}

/**
 * The pairs under their environment names. A name with no environment name
 * is skipped with a warning naming it, unless the user selected it
 * explicitly (`explicit`): then it is a {@linkcode Failure}.
 */
export function toEnvironment(
  pairs: readonly [string, string][],
  explicit: boolean,
): [string, string][] {
  const { mapped, unmapped } = splitEnvNames(pairs.map(([name]) => name));
  if (unmapped.length > 0) {
    const list = unmapped.map((name) => JSON.stringify(name)).join(", ");
    const why = "no letters or digits to make an environment name from";
    if (explicit) throw new Failure(`${list}: ${why}`);
    warn(`skipped ${list}: ${why}`);
  }
  return pairs.flatMap(([name, value]) => {
    const env = mapped.get(name);
    return env === undefined ? [] : [[env, value] as [string, string]];
  });
}

/**
 * The values of `names`, read from the vault; a missing name is a
 * {@linkcode Failure} that lists every missing name at once.
 */
export async function resolveNames(
  vault: SecretsEngine,
  names: readonly string[],
): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  const missing: string[] = [];
  for (const name of names) {
    const value = await vault.get(name);
    if (value === null) missing.push(name);
    else values.set(name, value);
  }
  if (missing.length > 0) {
    const list = missing.map((name) => JSON.stringify(name)).join(", ");
    throw new Failure(`no secret for ${missing.length} reference(s): ${list}`);
  }
  return values;
}
