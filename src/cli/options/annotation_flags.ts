/**
 * `--note`, `--tag`, `--untag`, `--rotate-every` and their clearing flags:
 * a secret's annotation from the command line, and how it is shown.
 *
 * @module
 */

import type { Annotation, AnnotationChange } from "../../../mod.ts";
import type { Parsed } from "../command.ts";
import { UsageError } from "../failures.ts";
import { formatTime, parseTtl } from "./expiry_flags.ts";
import { MAX_PERIOD_MS } from "../../limits.ts";
import { shownText } from "../terminal/table.ts";

/**
 * A period a flag gives (`90d`), at most {@linkcode MAX_PERIOD_MS}: more
 * is a usage error naming the flag.
 *
 * @example A period and one too long
 * ```ts
 * import { parsePeriod } from "./annotation_flags.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parsePeriod("2w", "--within"), 14 * 86_400_000);
 * assert.throws(() => parsePeriod("9999999w", "--within"));
 * ```
 */
export function parsePeriod(text: string, flag: string): number {
  const period = parseTtl(text, flag);
  if (period > MAX_PERIOD_MS) {
    throw new UsageError(`${flag} ${text}: at most 100 years`);
  }
  return period;
}

/** The annotation fields `set` takes: each given one replaces the stored. */
export function setAnnotation(args: Parsed): AnnotationChange {
  const { note, tag } = args.values;
  const every = args.values["rotate-every"];
  return {
    ...(note !== undefined && { note }),
    ...(tag !== undefined && { tags: tag }),
    ...(every !== undefined &&
      { rotateEvery: parsePeriod(every, "--rotate-every") }),
  };
}

/**
 * The change `meta` asks for, applied to what the secret carries now:
 * `--tag` adds, `--untag` removes, `--no-note` and `--no-rotate` clear.
 */
export function metaChange(
  args: Parsed,
  current: Annotation,
): AnnotationChange {
  const { note, tag = [], untag = [] } = args.values;
  const every = args.values["rotate-every"];
  if (note !== undefined && args.values["no-note"]) {
    throw new UsageError("--note and --no-note exclude each other");
  }
  if (every !== undefined && args.values["no-rotate"]) {
    throw new UsageError("--rotate-every and --no-rotate exclude each other");
  }
  const change: AnnotationChange = {};
  if (note !== undefined) change.note = note;
  if (args.values["no-note"]) change.note = null;
  if (tag.length > 0 || untag.length > 0) {
    change.tags = [...new Set([...current.tags, ...tag])]
      .filter((t) => !untag.includes(t));
  }
  if (every !== undefined) {
    change.rotateEvery = parsePeriod(every, "--rotate-every");
  }
  if (args.values["no-rotate"]) change.rotateEvery = null;
  return change;
}

const UNITS: readonly [string, number][] = [
  ["w", 604_800_000],
  ["d", 86_400_000],
  ["h", 3_600_000],
  ["m", 60_000],
  ["s", 1000],
];

/**
 * A period as `--rotate-every` takes it back: the largest unit that
 * divides it (`90d`, `2w`), or `-` for none.
 */
function formatPeriod(ms: number | null): string {
  if (ms === null) return "-";
  const [unit, size] = UNITS.find(([, size]) => ms % size === 0) ??
    ["ms", 1];
  return `${ms / size}${unit}`;
}

/** An annotation as `meta NAME` prints it, one field a line. */
export function formatAnnotation(
  annotation: Annotation & { rotationDue: Date | null },
): string {
  const note = annotation.note === null
    ? "-"
    : annotation.note.split("\n").map(shownText).join("\n      ");
  return [
    `note: ${note}`,
    `tags: ${annotation.tags.join(", ") || "-"}`,
    `rotate every: ${formatPeriod(annotation.rotateEvery)}`,
    `rotation due: ${formatTime(annotation.rotationDue)}`,
  ].join("\n") + "\n";
}
