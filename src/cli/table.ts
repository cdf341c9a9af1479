/**
 * Plain-text tables for people: columns padded to their widest cell, a
 * header first. Cells are names and facts, never values.
 *
 * @module
 */

const GAP = "  ";

/**
 * `rows` under `header`, each line's columns padded to line up, with no
 * trailing spaces.
 *
 * @example Calling formatTable
 * ```ts
 * import { formatTable } from "./table.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatTable(["A", "B"], [["xx", "y"]]), "A   B\nxx  y\n");
 * ```
 */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const lines = [header, ...rows];
  const widths = header.map((_, column) =>
    Math.max(...lines.map((line) => [...(line[column] ?? "")].length))
  );
  return lines.map((line) =>
    line.map((cell, column) =>
      cell + " ".repeat(widths[column] - [...cell].length)
    ).join(GAP).trimEnd()
  ).join("\n") + "\n";
}
