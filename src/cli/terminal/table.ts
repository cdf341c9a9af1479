/**
 * Plain-text tables for people: columns padded to their widest cell, a
 * header first. Cells are names and facts, never values.
 *
 * @module
 */

const GAP = "  ";

/**
 * `text` as a terminal should show it: control and format characters
 * (an escape sequence, a bidi override) escaped, so stored text cannot
 * drive the terminal or hide what it says.
 *
 * @example An escape sequence is shown, not run
 * ```ts
 * import { shownText } from "./table.ts";
 * import assert from "node:assert/strict";
 * assert.equal(shownText("a\u001b[2Jb"), "a\\u001b[2Jb");
 * ```
 */
export function shownText(text: string): string {
  return text.replace(
    /[\p{Cc}\p{Cf}]/gu,
    (c) => `\\u${c.codePointAt(0)?.toString(16).padStart(4, "0")}`,
  );
}

/**
 * `rows` under `header`, each line's columns padded to line up, with no
 * trailing spaces.
 *
 * @example Pad a table's columns
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
  // A loop, not Math.max(...lines): a list of a million secrets would
  // overflow the call's arguments.
  const widths = header.map((_, column) =>
    lines.reduce(
      (widest, line) => Math.max(widest, [...(line[column] ?? "")].length),
      0,
    )
  );
  return lines.map((line) =>
    line.map((cell, column) =>
      cell + " ".repeat(widths[column] - [...cell].length)
    ).join(GAP).trimEnd()
  ).join("\n") + "\n";
}
