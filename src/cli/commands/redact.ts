/**
 * `secrets redact`: a filter for any log. Standard input to standard
 * output, every value of the vault (or of `--only PATTERN`) masked, raw and
 * in each form `secrets scan` knows (base64 at each alignment, hex,
 * percent, JSON and JavaScript escaping, shell quoting), line by line, with
 * memory bounded by the patterns and the current line.
 *
 * @module
 */

import type { SecretsEngine } from "../../../mod.ts";
import type { Command } from "../command.ts";
import { EXIT, Failure } from "../failures.ts";
import { maskLines } from "../running/ci_mask.ts";
import { logRedactor } from "../running/log_redact.ts";
import { MIN_REDACTED_LENGTH } from "../running/redact.ts";

const encoder = new TextEncoder();

/** The names `--only` selects (every live one without it). */
async function selected(
  vault: SecretsEngine,
  only: readonly string[],
): Promise<string[]> {
  if (only.length === 0) return await vault.keys();
  const names = new Set<string>();
  for (const pattern of only) {
    const matched = await vault.keys(pattern);
    if (matched.length === 0) {
      throw new Failure(`--only ${pattern} matches no secret`);
    }
    for (const name of matched) names.add(name);
  }
  return [...names];
}

/** `redact [--only PATTERN]...`: masks the vault's values in a stream. */
export const redact: Command = {
  usage: "redact [--only PATTERN]...",
  summary:
    "copy standard input to standard output with every secret value masked, raw and encoded",
  details: `
For any log: some-tool 2>&1 | secrets redact. Each value of the vault (or of
--only PATTERN, repeatable) is replaced with <redacted> wherever it appears,
and so is each encoded form of it (base64 at each alignment, hex, percent,
JSON and JavaScript escaping, shell quoting); a multi-line value is masked
line by line. Output goes out a line at a time, so a live log stays live;
a value split across two reads is still masked. Values shorter than 6
characters are not masked (they would mask ordinary words), and say so.`,
  options: ["only"],
  operands: [0, 0],
  async run({ args, open, io }): Promise<number> {
    const values: (string | Uint8Array)[] = [];
    {
      await using vault = await open();
      for (const name of await selected(vault, args.values.only ?? [])) {
        const entry = await vault.getEntry(name);
        if (entry !== null) values.push(entry.value);
      }
    }
    const lines = maskLines(values);
    const patterns = lines.filter((l) => l.length >= MIN_REDACTED_LENGTH);
    if (patterns.length < lines.length) {
      io.warn(
        `forms shorter than ${MIN_REDACTED_LENGTH} characters are left unmasked: ${
          lines.length - patterns.length
        }`,
      );
    }
    await io.streams.stdin.readable
      .pipeThrough(logRedactor(patterns.map((p) => encoder.encode(p))))
      .pipeTo(io.streams.stdout.writable, { preventClose: true });
    return EXIT.ok;
  },
};
