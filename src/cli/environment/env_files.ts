/**
 * Dotenv files for `run --env-file`: read with the same parser as
 * `import`, merged in order (a later file overrides an earlier one), with
 * each value either plain text or a `secrets://` reference to resolve.
 *
 * @module
 */

import { Failure } from "../failures.ts";
import { literalWarning, parseDotenv } from "./dotenv.ts";
import { parseReference } from "./references.ts";
import type { Io } from "../streams.ts";

/** One variable of the merged files. */
export interface EnvFileVariable {
  /** The value as written, when it is not a reference. */
  value: string;
  /** The secret name it references, or `null` for a plain value. */
  reference: string | null;
}

/**
 * Reads `files` in order; a malformed line anywhere is a
 * {@linkcode Failure} after every such line is reported.
 */
export async function readEnvFiles(
  io: Io,
  files: readonly string[],
): Promise<Map<string, EnvFileVariable>> {
  const variables = new Map<string, EnvFileVariable>();
  const problems: string[] = [];
  for (const file of files) {
    const { entries, errors, literal } = parseDotenv(await io.readText(file));
    const literalNote = literalWarning(file, literal);
    if (literalNote !== null) io.warn(literalNote);
    problems.push(
      ...errors.map(({ line, message }) => `${file}:${line}: ${message}`),
    );
    for (const { key, value } of entries) {
      variables.set(key, { value, reference: parseReference(value) });
    }
  }
  if (problems.length > 0) {
    for (const problem of problems) io.warn(problem);
    throw new Failure(`nothing run: ${problems.length} bad line(s)`);
  }
  return variables;
}

/** The names the variables reference, once each. */
export function referencedNames(
  variables: ReadonlyMap<string, EnvFileVariable>,
): string[] {
  const names = [...variables.values()].map((v) => v.reference);
  return [...new Set(names.filter((name) => name !== null))];
}
