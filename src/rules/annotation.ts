/**
 * What a secret may carry besides its value: a note (where it comes from,
 * how to rotate it), tags, and a rotation policy (the secret is due when its
 * current value is older than `rotateEvery`). The checks on what a caller
 * gives, and how a change applies to what is stored.
 *
 * @module
 */

import { ValidationError } from "../errors.ts";
import { checkText } from "./validate.ts";
import {
  MAX_NOTE_BYTES,
  MAX_PERIOD_MS,
  MAX_TAG_LENGTH,
  MAX_TAGS,
} from "../limits.ts";
import type { Annotation, AnnotationChange } from "../types.ts";

const MIN_ROTATE_MS = 1000;
const TAG = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
const FIELDS = ["note", "tags", "rotateEvery"] as const;

/** No note, no tags, no policy: what an entry without an annotation has. */
export const NO_ANNOTATION: Annotation = Object.freeze({
  note: null,
  tags: Object.freeze([]) as unknown as string[],
  rotateEvery: null,
});

function checkNote(note: unknown): string | null {
  if (note === null) return null;
  if (typeof note !== "string") {
    throw new ValidationError("note must be a string or null");
  }
  return checkText("a note", note, MAX_NOTE_BYTES, true);
}

function checkTags(tags: unknown): string[] {
  if (tags === null) return [];
  if (!Array.isArray(tags)) {
    throw new ValidationError("tags must be a list of strings, or null");
  }
  if (tags.length > MAX_TAGS) {
    throw new ValidationError(
      `a secret carries at most ${MAX_TAGS} tags, not ${tags.length}`,
    );
  }
  for (const tag of tags) {
    if (
      typeof tag !== "string" || tag.length > MAX_TAG_LENGTH || !TAG.test(tag)
    ) {
      throw new ValidationError(
        `a tag is 1 to ${MAX_TAG_LENGTH} letters, digits, ".", "_", ":" or "-", starting with a letter or digit: ${
          JSON.stringify(String(tag).slice(0, MAX_TAG_LENGTH + 1))
        } is not`,
      );
    }
  }
  return [...new Set(tags as string[])].sort();
}

function checkRotateEvery(period: unknown): number | null {
  if (period === null) return null;
  if (
    typeof period !== "number" || !Number.isSafeInteger(period) ||
    period < MIN_ROTATE_MS || period > MAX_PERIOD_MS
  ) {
    throw new ValidationError(
      "rotateEvery must be a whole number of milliseconds from one second to 100 years",
    );
  }
  return period;
}

/**
 * Checks the annotation fields of `options` (a `set`'s options, or a
 * change), returning only those given; anything else in `options` is left
 * to its own check.
 *
 * @example Check a change, keeping only what it gives
 * ```ts
 * import { checkAnnotationChange } from "./annotation.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(checkAnnotationChange({ tags: ["prod", "prod"] }), { tags: ["prod"] });
 * assert.throws(() => checkAnnotationChange({ rotateEvery: -1 }));
 * ```
 */
export function checkAnnotationChange(options: unknown): AnnotationChange {
  if (options === undefined) return {};
  if (typeof options !== "object" || options === null) {
    throw new ValidationError("options must be an object");
  }
  const given = options as Record<string, unknown>;
  const change: AnnotationChange = {};
  if (given.note !== undefined) change.note = checkNote(given.note);
  if (given.tags !== undefined) change.tags = checkTags(given.tags);
  if (given.rotateEvery !== undefined) {
    change.rotateEvery = checkRotateEvery(given.rotateEvery);
  }
  return change;
}

/** Whether `change` changes anything. */
export function changesAnnotation(change: AnnotationChange): boolean {
  return FIELDS.some((field) => change[field] !== undefined);
}

/**
 * `current` with `change` applied; `null` when nothing is left (no note, no
 * tags, no policy).
 *
 * @example Clear one field, keep the others
 * ```ts
 * import { applyAnnotationChange } from "./annotation.ts";
 * import assert from "node:assert/strict";
 * const current = { note: "from the Stripe dashboard", tags: ["prod"], rotateEvery: null };
 * assert.deepEqual(applyAnnotationChange(current, { note: null }), { note: null, tags: ["prod"], rotateEvery: null });
 * assert.equal(applyAnnotationChange(current, { note: null, tags: null }), null);
 * ```
 */
export function applyAnnotationChange(
  current: Annotation | null,
  change: AnnotationChange,
): Annotation | null {
  const base = current ?? NO_ANNOTATION;
  const next: Annotation = {
    note: change.note === undefined ? base.note : change.note,
    tags: change.tags === undefined ? [...base.tags] : [...(change.tags ?? [])],
    rotateEvery: change.rotateEvery === undefined
      ? base.rotateEvery
      : change.rotateEvery,
  };
  const empty = next.note === null && next.tags.length === 0 &&
    next.rotateEvery === null;
  return empty ? null : next;
}

/**
 * An annotation read back from storage or a document, checked as a
 * caller's would be: `null` when it is not one.
 *
 * @example Read a stored annotation back
 * ```ts
 * import { parseAnnotation } from "./annotation.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseAnnotation({ note: null, tags: ["ci"], rotateEvery: 86_400_000 })?.tags, ["ci"]);
 * assert.equal(parseAnnotation({ tags: 3 }), null);
 * ```
 */
export function parseAnnotation(input: unknown): Annotation | null {
  if (typeof input !== "object" || input === null) return null;
  const { note = null, tags = [], rotateEvery = null } = input as Record<
    string,
    unknown
  >;
  try {
    return {
      note: checkNote(note),
      tags: checkTags(tags),
      rotateEvery: checkRotateEvery(rotateEvery),
    };
  } catch (error) {
    if (error instanceof ValidationError) return null;
    throw error;
  }
}
