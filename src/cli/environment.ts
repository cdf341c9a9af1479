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

const NOT_TEXT =
  "holds bytes, which an environment variable or a text file cannot hold: write it to a file with secrets get NAME --out FILE";

/**
 * The names and values of the text secrets `patterns` select (every secret
 * when there is none); a pattern that selects nothing is a
 * {@linkcode Failure}. Expired secrets are never selected. A bytes secret
 * is skipped with a warning, unless a pattern names it exactly: then it is
 * a `Failure`.
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
  const read: SelectedSecret[] = [];
  for (const name of selected.sort()) {
    const entry = await vault.getEntry(name);
    if (entry === null) continue;
    const { value } = entry;
    if (typeof value !== "string") value.fill(0);
    read.push({ name, text: typeof value === "string" ? value : null });
  }
  return textPairs(read, patterns);
}

/** A selected secret: its name, and its value when it is text. */
export interface SelectedSecret {
  /** The secret's name. */
  name: string;
  /** Its value, or `null` for a bytes secret. */
  text: string | null;
}

/**
 * The name and value of each text secret of `selected`. A bytes secret is
 * skipped with a warning naming it, unless one of `patterns` names it
 * exactly: then it is a {@linkcode Failure}.
 */
export function textPairs(
  selected: readonly SelectedSecret[],
  patterns: readonly string[],
): [string, string][] {
  const pairs: [string, string][] = [];
  const skipped: string[] = [];
  for (const { name, text } of selected) {
    if (text !== null) pairs.push([name, text]);
    else if (patterns.includes(name)) {
      throw new Failure(`${JSON.stringify(name)} ${NOT_TEXT}`);
    } else skipped.push(JSON.stringify(name));
  }
  if (skipped.length > 0) warn(`skipped ${skipped.join(", ")}: ${NOT_TEXT}`);
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
 * The values of `names`, read from the vault; a missing (or expired) name
 * is a {@linkcode Failure} that lists every missing name at once, and a
 * bytes secret a `Failure` naming it.
 */
export async function resolveNames(
  vault: SecretsEngine,
  names: readonly string[],
): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  const missing: string[] = [];
  for (const name of names) {
    const value = (await vault.getEntry(name))?.value ?? null;
    if (value === null) missing.push(name);
    else if (typeof value === "string") values.set(name, value);
    else {
      value.fill(0);
      throw new Failure(`${JSON.stringify(name)} ${NOT_TEXT}`);
    }
  }
  if (missing.length > 0) {
    const list = missing.map((name) => JSON.stringify(name)).join(", ");
    throw new Failure(`no secret for ${missing.length} reference(s): ${list}`);
  }
  return values;
}
