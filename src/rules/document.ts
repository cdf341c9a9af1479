/**
 * The export document's shape, and checking one before anything is
 * written: its type and version, every entry and earlier version in it, and
 * the options of an export. A bad document is a {@linkcode ValidationError} saying which
 * entry and why; a secret value never appears in it.
 *
 * @module
 */

import { ValidationError } from "../errors.ts";
import { decodeBase64 } from "../base64.ts";
import {
  validateName,
  validatePattern,
  validateSecretValue,
  validateValue,
} from "./validate.ts";
import { applyAnnotationChange, checkAnnotationChange } from "./annotation.ts";
import { isLive } from "./expiry.ts";
import { compileGlob } from "./glob.ts";
import type {
  ExportDocument,
  ExportedEntry,
  ExportedVersion,
  ExportOptions,
  ValueKind,
} from "../types.ts";

/** What identifies the document among other JSON. */
export const DOCUMENT_TYPE: ExportDocument["type"] = "@scope/secrets export";

/**
 * The newest document version this library writes and reads. Version 2
 * added bytes values and expiry, version 3 earlier versions, version 4
 * annotations (note, tags, rotation policy). It writes the lowest version
 * that holds what the document carries, so a document without history or
 * annotations still reads in 0.2, and reads every version.
 */
export const DOCUMENT_VERSION = 4;

/** The version of a document without earlier versions or annotations. */
export const PLAIN_DOCUMENT_VERSION = 2;
/** The version of a document with earlier versions and no annotation. */
export const HISTORY_DOCUMENT_VERSION = 3;

function invalid(where: string, why: string): ValidationError {
  return new ValidationError(`${where}: ${why}; nothing was imported`);
}

function isTime(value: unknown): value is string {
  return typeof value === "string" && !Number.isNaN(Date.parse(value));
}

/** Checks a kind and a value, throwing a message of what is wrong. */
function checkValue(kind: unknown, value: unknown): ValueKind {
  if (kind !== "text" && kind !== "bytes") {
    throw new Error(
      `kind ${JSON.stringify(kind)} is not one this version reads`,
    );
  }
  validateValue(value);
  if (kind === "bytes") {
    validateSecretValue(decodeBase64(value as string, "the bytes value"));
  }
  return kind;
}

function isVersionNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) &&
    value >= 1;
}

function checkExpires(expires: unknown): string | null {
  if (expires !== undefined && expires !== null && !isTime(expires)) {
    throw new Error("expires must be an ISO 8601 time or null");
  }
  return expires ?? null;
}

function checkVersions(input: unknown, below: number): ExportedVersion[] {
  if (!Array.isArray(input)) throw new Error("versions must be a list");
  let ceiling = below;
  return input.map((item: unknown, at) => {
    const where = `version ${at + 1} of its versions`;
    const { version, kind, value, updated, expires } =
      (typeof item === "object" && item !== null ? item : {}) as Record<
        string,
        unknown
      >;
    if (!isVersionNumber(version) || version >= ceiling) {
      throw new Error(
        `${where}: version must be a whole number from 1, below the one before it`,
      );
    }
    ceiling = version;
    if (!isTime(updated)) {
      throw new Error(`${where}: updated must be an ISO 8601 time`);
    }
    try {
      return {
        version,
        kind: checkValue(kind, value),
        value: value as string,
        updated,
        expires: checkExpires(expires),
      };
    } catch (error) {
      throw new Error(`${where}: ${(error as Error).message}`);
    }
  });
}

function checkEntry(input: unknown, at: number): ExportedEntry {
  const where = `entry ${at + 1}`;
  if (typeof input !== "object" || input === null) {
    throw invalid(where, "not an object");
  }
  const { name, kind, value, created, updated, expires, version, versions } =
    input as Record<string, unknown>;
  const { note, tags, rotateEvery } = input as Record<string, unknown>;
  let checkedName: string;
  try {
    checkedName = validateName(name);
  } catch (error) {
    throw invalid(where, (error as Error).message);
  }
  const named = `${where} (${JSON.stringify(checkedName)})`;
  try {
    if (!isTime(created) || !isTime(updated)) {
      throw new Error("created and updated must be ISO 8601 times");
    }
    const entry: ExportedEntry = {
      name: checkedName,
      kind: checkValue(kind, value),
      value: value as string,
      created,
      updated,
      expires: checkExpires(expires),
    };
    if (version !== undefined) {
      if (!isVersionNumber(version)) {
        throw new Error("version must be a whole number from 1");
      }
      entry.version = version;
    }
    if (versions !== undefined) {
      if (entry.version === undefined) {
        throw new Error("versions need the entry's own version");
      }
      entry.versions = checkVersions(versions, entry.version);
    }
    if (note !== undefined || tags !== undefined || rotateEvery !== undefined) {
      const annotation = applyAnnotationChange(
        null,
        checkAnnotationChange({ note, tags, rotateEvery }),
      );
      if (annotation !== null) Object.assign(entry, annotation);
    }
    return entry;
  } catch (error) {
    throw invalid(named, (error as Error).message);
  }
}

/**
 * Checks a parsed document and every entry in it, before anything is
 * written: a bad document is a {@linkcode ValidationError} saying which
 * entry and why (secret values never appear in it).
 *
 * @example Check a parsed export document
 * ```ts
 * import { checkDocument } from "./document.ts";
 * import assert from "node:assert/strict";
 * const doc = checkDocument({ type: "@scope/secrets export", version: 1, exported: "2026-01-01T00:00:00Z", entries: [] });
 * assert.equal(doc.entries.length, 0);
 * ```
 */
export function checkDocument(input: unknown): ExportDocument {
  const { type, version, exported, entries } =
    (typeof input === "object" && input !== null ? input : {}) as Record<
      string,
      unknown
    >;
  if (type !== DOCUMENT_TYPE) {
    throw new ValidationError(
      `not a ${DOCUMENT_TYPE} document; nothing was imported`,
    );
  }
  if (
    typeof version !== "number" || !Number.isInteger(version) || version < 1
  ) {
    throw new ValidationError("the document has no valid version");
  }
  if (version > DOCUMENT_VERSION) {
    throw new ValidationError(
      `the document is version ${version}; this version reads up to ${DOCUMENT_VERSION}: upgrade @scope/secrets`,
    );
  }
  if (!Array.isArray(entries)) {
    throw new ValidationError("the document has no list of entries");
  }
  const checked = entries.map(checkEntry);
  const seen = new Map<string, number>();
  checked.forEach(({ name }, at) => {
    const first = seen.get(name);
    if (first !== undefined) {
      throw invalid(
        `entry ${at + 1}`,
        `repeats the name of entry ${first + 1}`,
      );
    }
    seen.set(name, at);
  });
  return {
    type,
    version,
    exported: isTime(exported) ? exported : new Date(0).toISOString(),
    entries: checked,
  };
}

/**
 * Reads a document from its JSON text; text that is not JSON, or JSON that
 * is not a document, is a {@linkcode ValidationError}.
 *
 * @example Read an export document from JSON
 * ```ts
 * import { parseDocument } from "./document.ts";
 * import assert from "node:assert/strict";
 * const text = '{"type":"@scope/secrets export","version":1,"exported":"2026-01-01T00:00:00Z","entries":[]}';
 * assert.equal(parseDocument(text).version, 1);
 * ```
 */
export function parseDocument(text: string): ExportDocument {
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch {
    throw new ValidationError(
      `not a ${DOCUMENT_TYPE} document (not JSON); nothing was imported`,
    );
  }
  return checkDocument(input);
}

/**
 * Checks export options: an object whose `history` and `expired` are
 * booleans when given.
 *
 * @example Check export options
 * ```ts
 * import { validateExportOptions } from "./document.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(validateExportOptions({ history: true }), { history: true, expired: false });
 * ```
 */
export function validateExportOptions(
  options: unknown,
): Required<ExportOptions> {
  const { history, expired } =
    (typeof options === "object" && options !== null ? options : {}) as Record<
      string,
      unknown
    >;
  if (
    typeof options !== "object" || options === null ||
    ![history, expired].every((flag) =>
      flag === undefined || typeof flag === "boolean"
    )
  ) {
    throw new ValidationError(
      "export options are { history?: boolean, expired?: boolean }",
    );
  }
  return { history: history === true, expired: expired === true };
}

/**
 * Whether a document's entry is live at `now` (ms since the epoch), by the
 * rule the vault reads its own entries with: an expired one reads as
 * absent.
 *
 * @example Tell a live entry from an expired one
 * ```ts
 * import { isLiveEntry } from "./document.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isLiveEntry({ expires: null }, Date.now()), true);
 * assert.equal(isLiveEntry({ expires: "2000-01-01T00:00:00Z" }, Date.now()), false);
 * ```
 */
export function isLiveEntry(
  entry: Pick<ExportedEntry, "expires">,
  now: number,
): boolean {
  return isLive(entry.expires ? Date.parse(entry.expires) : null, now);
}

/**
 * The entries of a document that `pattern` matches, by the globs `keys()`
 * takes (checked first: a bad pattern is a {@linkcode ValidationError}).
 *
 * @example Select a document's entries by a glob
 * ```ts
 * import { selectEntries } from "./document.ts";
 * import assert from "node:assert/strict";
 * const entries = [{ name: "db.url" }, { name: "db.password" }, { name: "api" }];
 * assert.equal(selectEntries(entries, "db.*").length, 2);
 * ```
 */
export function selectEntries<T extends Pick<ExportedEntry, "name">>(
  entries: readonly T[],
  pattern: string,
): T[] {
  const matches = compileGlob(validatePattern(pattern));
  return entries.filter(({ name }) => matches(name));
}
