/**
 * Masks registered with the CI before a value is handed over. Under GitHub
 * Actions (`GITHUB_ACTIONS=true`) each value, and each form of it that
 * `secrets scan` looks for (base64 at each alignment, hex, percent, JSON
 * and JavaScript escaping, shell quoting), is announced with an
 * `::add-mask::` line, so the runner hides it wherever the job's log shows
 * it. A multi-line value is masked line by line, as the runner needs. The
 * lines go to standard error, which the runner reads for workflow commands
 * as it reads standard output, so `get` and `export` keep a clean standard
 * output; nothing else this writes holds a value.
 *
 * @module
 */

import { encodings } from "../leaks/encodings.ts";
import type { Io } from "../streams.ts";

const decoder = new TextDecoder("utf-8", { fatal: true });

/** The variable GitHub Actions sets in every step. */
export const GITHUB_ACTIONS = "GITHUB_ACTIONS";

/** Whether this process runs in a GitHub Actions step. */
export function inGithubActions(): boolean {
  const variable = GITHUB_ACTIONS;
  const access = Deno.permissions.querySync({ name: "env", variable });
  return access.state === "granted" && Deno.env.get(variable) === "true";
}

/**
 * The text to mask for `values`: every printable form of each, line by
 * line, each once.
 *
 * @example A value's forms, line by line
 * ```ts
 * import { maskLines } from "./ci_mask.ts";
 * import assert from "node:assert/strict";
 * const lines = maskLines(["sk-live\nline two"]);
 * assert.ok(lines.includes("sk-live") && lines.includes("line two"));
 * const base64 = btoa("sk-live\nline two");
 * assert.ok(lines.some((line) => line.length > 16 && base64.startsWith(line)));
 * ```
 */
export function maskLines(
  values: readonly (string | Uint8Array)[],
): string[] {
  const lines = new Set<string>();
  for (const value of values) {
    for (const { bytes } of encodings(value)) {
      let text: string;
      try {
        text = decoder.decode(bytes);
      } catch {
        continue; // Bytes that are not text are masked in their text forms.
      }
      for (const line of text.split(/\r?\n/)) {
        if (line.trim() !== "") lines.add(line);
      }
    }
  }
  return [...lines];
}

/** A mask line: `%`, CR and LF escaped as the runner unescapes them. */
function command(line: string): string {
  const data = line.replaceAll("%", "%25").replaceAll("\r", "%0D");
  return `::add-mask::${data}\n`;
}

/**
 * Registers `values` with the CI, when this is a GitHub Actions step and
 * `--no-ci-mask` was not given: call it before handing any over.
 */
export function maskForCi(
  io: Io,
  values: readonly (string | Uint8Array)[],
  off: boolean | undefined,
): void {
  if (off === true || !inGithubActions()) return;
  const text = maskLines(values).map(command).join("");
  if (text !== "") io.writeErr(text);
}
