/**
 * Secrets as environment variables, for `run` and `export`: which secrets
 * (every one, or those the patterns select), and under which names.
 *
 * @module
 */

import type { SecretsEngine } from "../../../mod.ts";
import { Failure } from "../failures.ts";
import { splitEnvNames } from "./env_name.ts";
import { formatTime } from "../options/expiry_flags.ts";
import { nearest } from "../terminal/suggest.ts";
import { SCHEME } from "./references.ts";

const NOT_TEXT =
  "holds bytes: an environment variable or a text file cannot hold them; write it to a file with secrets get NAME --out FILE";

/**
 * Where values go, which decides what they may hold: an environment
 * variable (`run`) holds no NUL and at most {@linkcode MAX_ENV_STRING_BYTES}
 * with its name; a dotenv or shell line (`export`) holds no NUL; a file
 * (`inject`) holds any text.
 */
export type Destination = "environment" | "dotenv" | "file";

/**
 * Linux's limit on one environment string, `NAME=value` and its NUL
 * (`MAX_ARG_STRLEN`): a longer one makes every program start fail.
 */
const MAX_ENV_STRING_BYTES = 128 * 1024;

const encoder = new TextEncoder();

/**
 * Why `value` cannot go to `destination` under `name`, or `null` when it
 * can. Says how to get the value another way, never what it holds.
 */
function unfit(
  name: string,
  value: string,
  destination: Destination,
): string | null {
  if (destination === "file") return null;
  if (value.includes("\0")) {
    return `holds a NUL character: ${
      destination === "environment"
        ? "an environment variable"
        : "a dotenv line"
    } cannot hold one; write it to a file with secrets get NAME --out FILE`;
  }
  const size = encoder.encode(value).length;
  // NAME=, and the NUL that ends the string.
  const string = size + encoder.encode(name).length + 2;
  if (destination === "environment" && string > MAX_ENV_STRING_BYTES) {
    return `is ${
      Math.ceil(size / 1024)
    } KiB, more than the 128 KiB an environment variable can hold: write it to a file with secrets get NAME --out FILE, or inject it into a template`;
  }
  return null;
}

/**
 * What a selection that selects nothing is: an error, or a warning given
 * to this function.
 */
export type WhenNoneMatch = "fail" | ((why: string) => void);

/**
 * Why `pattern` selects no secret: an exact name that expired (and when,
 * as `get` says) or is missing (with the nearest name), or a glob that
 * matches nothing, or only expired secrets.
 */
async function whyNoMatch(
  vault: SecretsEngine,
  pattern: string,
): Promise<string> {
  if (!/[*?]/.test(pattern)) {
    const described = await describeMissing(vault, pattern);
    return described === JSON.stringify(pattern)
      ? `the pattern ${pattern} matches no secret`
      : `the pattern ${pattern} matches no secret: ${described}`;
  }
  const expired = await vault.keys(pattern, { expired: true });
  return expired.length === 0
    ? `the pattern ${pattern} matches no secret`
    : `the pattern ${pattern} matches only expired secrets (${
      expired.map((name) => JSON.stringify(name)).join(", ")
    })`;
}

/**
 * The names and values of the text secrets `patterns` and `tags` select
 * (every secret when there is neither); a pattern or tag that selects
 * nothing is a {@linkcode Failure}, or, with a `whenNone` function (a
 * program restarted by `run --watch` after its secret was deleted), a
 * warning to it.
 * Expired secrets are never selected. A bytes secret is skipped with a
 * warning, unless a pattern names it exactly: then it is a `Failure`.
 */
export async function readSecrets(
  vault: SecretsEngine,
  patterns: readonly string[],
  destination: Destination,
  notify: (notice: string) => void,
  tags: readonly string[] = [],
  whenNone: WhenNoneMatch = "fail",
): Promise<[string, string][]> {
  const names = new Set<string>();
  const none = (why: string): void => {
    if (whenNone === "fail") throw new Failure(why);
    whenNone(`${why}: the program runs without it`);
  };
  for (const pattern of patterns) {
    const matched = await vault.keys(pattern);
    if (matched.length === 0) none(await whyNoMatch(vault, pattern));
    for (const name of matched) names.add(name);
  }
  for (const tag of tags) {
    const matched = await vault.keys("**", { tag });
    if (matched.length === 0) none(`the tag ${tag} matches no secret`);
    for (const name of matched) names.add(name);
  }
  const selecting = patterns.length > 0 || tags.length > 0;
  const selected = selecting ? [...names] : await vault.keys();
  const read: SelectedSecret[] = [];
  for (const name of selected.sort()) {
    const entry = await vault.getEntry(name);
    if (entry === null) continue;
    const { value } = entry;
    if (typeof value !== "string") value.fill(0);
    read.push({ name, text: typeof value === "string" ? value : null });
  }
  return textPairs(read, patterns, destination, notify);
}

/** A selected secret: its name, and its value when it is text. */
export interface SelectedSecret {
  /** The secret's name. */
  name: string;
  /** Its value, or `null` for a bytes secret. */
  text: string | null;
}

/**
 * The name and value of each text secret of `selected` that `destination`
 * can hold. A bytes secret, or one it cannot hold (a NUL, or too large for
 * an environment variable), is skipped with a notice naming it (to
 * `notify`), unless one of `patterns` names it exactly:
 * then it is a {@linkcode Failure}.
 */
export function textPairs(
  selected: readonly SelectedSecret[],
  patterns: readonly string[],
  destination: Destination,
  notify: (notice: string) => void,
): [string, string][] {
  const pairs: [string, string][] = [];
  const skipped = new Map<string, string[]>();
  for (const { name, text } of selected) {
    const why = text === null ? NOT_TEXT : unfit(name, text, destination);
    if (why === null && text !== null) pairs.push([name, text]);
    else if (why !== null && patterns.includes(name)) {
      throw new Failure(`${JSON.stringify(name)} ${why}`);
    } else if (why !== null) {
      skipped.set(why, [...skipped.get(why) ?? [], JSON.stringify(name)]);
    }
  }
  for (const [why, names] of skipped) {
    notify(`skipped ${names.join(", ")}, which ${why}`);
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
  notify: (notice: string) => void,
): [string, string][] {
  const { mapped, unmapped } = splitEnvNames(pairs.map(([name]) => name));
  if (unmapped.length > 0) {
    const list = unmapped.map((name) => JSON.stringify(name)).join(", ");
    const why = "no letters or digits to make an environment name from";
    if (explicit) throw new Failure(`${list}: ${why}`);
    notify(`skipped ${list}: ${why}`);
  }
  return pairs.flatMap(([name, value]) => {
    const env = mapped.get(name);
    return env === undefined ? [] : [[env, value] as [string, string]];
  });
}

/**
 * A name the vault gave no value for, as a user needs it said: expired
 * (and when, as `get` says), or missing, with the nearest name it holds.
 */
async function describeMissing(
  vault: SecretsEngine,
  name: string,
): Promise<string> {
  const [current] = await vault.history(name);
  const quoted = JSON.stringify(name);
  if (current?.expiresAt) {
    return `${quoted} (expired at ${
      formatTime(current.expiresAt)
    }: secrets revert NAME ${current.version} --ttl 30d brings it back)`;
  }
  const near = nearest(name, await vault.keys("**"));
  return near === null ? quoted : `${quoted} (did you mean ${near}?)`;
}

/**
 * The values of `names`, read from the vault; a missing (or expired) name
 * is a {@linkcode Failure} that lists every missing name at once, and a
 * bytes secret, or one `destination` cannot hold, a `Failure` naming it.
 */
export async function resolveNames(
  vault: SecretsEngine,
  names: readonly string[],
  destination: Destination,
): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  const missing: string[] = [];
  for (const name of names) {
    const value = (await vault.getEntry(name))?.value ?? null;
    if (value === null) missing.push(name);
    else if (typeof value !== "string") {
      value.fill(0);
      throw new Failure(`${JSON.stringify(name)} ${NOT_TEXT}`);
    } else {
      const why = value.startsWith(SCHEME)
        ? `holds a ${SCHEME} reference, not a value (a template was imported into it): set its real value`
        : unfit(name, value, destination);
      if (why !== null) throw new Failure(`${JSON.stringify(name)} ${why}`);
      values.set(name, value);
    }
  }
  if (missing.length > 0) {
    const described = await Promise.all(
      missing.map((name) => describeMissing(vault, name)),
    );
    throw new Failure(
      `no secret for ${missing.length} reference(s): ${described.join(", ")}`,
    );
  }
  return values;
}
