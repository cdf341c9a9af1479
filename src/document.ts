/**
 * The export document: what a backup or a share holds inside its
 * encryption. A small, versioned JSON document, readable by anyone who can
 * decrypt it (`age -d backup.age | jq`), so a backup outlives this library:
 *
 * ```json
 * { "type": "@scope/secrets export", "version": 1, "exported": "2026-11-25T22:00:00.000Z",
 *   "entries": [{ "name": "db.url", "kind": "text", "value": "postgres://…",
 *                 "created": "2026-01-01T00:00:00.000Z", "updated": "2026-02-01T00:00:00.000Z" }] }
 * ```
 *
 * @module
 */

import { ValidationError } from "./errors.ts";
import { decodeBase64, encodeBase64 } from "./base64.ts";
import { isLive } from "./name_index.ts";
import { openVersion } from "./storage/rows.ts";
import type { ValueKind } from "./storage/columns.ts";
import { type Entry, putEntries, type Writable } from "./storage/writes.ts";
import {
  validateName,
  validateSecretValue,
  validateValue,
} from "./validate.ts";

const decoder = new TextDecoder("utf-8", { fatal: true });

/** What identifies the document among other JSON. */
export const DOCUMENT_TYPE: ExportDocument["type"] = "@scope/secrets export";

/**
 * The document version this library writes and the newest it reads.
 * Version 2 added bytes values and expiry; version 1 documents still read.
 */
export const DOCUMENT_VERSION = 2;

/** One secret in an {@linkcode ExportDocument}. */
export interface ExportedEntry {
  /** The secret's name. */
  name: string;
  /** What the value is: text, or bytes written as base64. */
  kind: ValueKind;
  /** The value: the text, or the bytes as padded standard base64. */
  value: string;
  /** When the secret was first stored, as an ISO 8601 time. */
  created: string;
  /** When its value was last written, as an ISO 8601 time. */
  updated: string;
  /** When it expires, as an ISO 8601 time; absent or `null` if never. */
  expires?: string | null;
}

/** Secrets exported from a vault, as they travel inside a backup. */
export interface ExportDocument {
  /** What identifies the document among other JSON. */
  type: "@scope/secrets export";
  /** The document version. */
  version: number;
  /** When it was exported, as an ISO 8601 time. */
  exported: string;
  /** The secrets, sorted by name. */
  entries: ExportedEntry[];
}

function invalid(where: string, why: string): ValidationError {
  return new ValidationError(`${where}: ${why}; nothing was imported`);
}

function isTime(value: unknown): value is string {
  return typeof value === "string" && !Number.isNaN(Date.parse(value));
}

function checkEntry(input: unknown, at: number): ExportedEntry {
  const where = `entry ${at + 1}`;
  if (typeof input !== "object" || input === null) {
    throw invalid(where, "not an object");
  }
  const { name, kind, value, created, updated, expires } = input as Record<
    string,
    unknown
  >;
  let checkedName: string;
  try {
    checkedName = validateName(name);
  } catch (error) {
    throw invalid(where, (error as Error).message);
  }
  const named = `${where} (${JSON.stringify(checkedName)})`;
  if (kind !== "text" && kind !== "bytes") {
    throw invalid(
      named,
      `kind ${JSON.stringify(kind)} is not one this version reads`,
    );
  }
  try {
    validateValue(value);
    if (kind === "bytes") {
      validateSecretValue(decodeBase64(value as string, "the bytes value"));
    }
  } catch (error) {
    throw invalid(named, (error as Error).message);
  }
  if (!isTime(created) || !isTime(updated)) {
    throw invalid(named, "created and updated must be ISO 8601 times");
  }
  if (expires !== undefined && expires !== null && !isTime(expires)) {
    throw invalid(named, "expires must be an ISO 8601 time or null");
  }
  return {
    name: checkedName,
    kind,
    value: value as string,
    created,
    updated,
    expires: expires ?? null,
  };
}

/**
 * Checks a parsed document and every entry in it, before anything is
 * written: a bad document is a {@linkcode ValidationError} saying which
 * entry and why (secret values never appear in it).
 *
 * @example
 * ```ts
 * import { checkDocument } from "./document.ts";
 * const doc = checkDocument({ type: "@scope/secrets export", version: 1, exported: "2026-01-01T00:00:00Z", entries: [] });
 * console.assert(doc.entries.length === 0);
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
 * @example
 * ```ts
 * import { parseDocument } from "./document.ts";
 * const text = '{"type":"@scope/secrets export","version":1,"exported":"2026-01-01T00:00:00Z","entries":[]}';
 * console.assert(parseDocument(text).version === 1);
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

function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * The document of the entries `named` (name hash, clear name), read in one
 * snapshot; an entry deleted meanwhile is left out.
 */
export function exportRows(
  vault: Writable,
  named: readonly { hash: string; name: string }[],
): ExportDocument {
  const { store, table, keys } = vault;
  const now = Date.now();
  const entries = store.snapshot(() =>
    named.flatMap(({ hash, name }): ExportedEntry[] => {
      const row = table.row(hash);
      if (row === undefined || !isLive(row.expires, now)) return [];
      const plain = openVersion(keys, row);
      const value = row.kind === "bytes"
        ? encodeBase64(plain)
        : decoder.decode(plain);
      plain.fill(0);
      return [{
        name,
        kind: row.kind,
        value,
        created: isoTime(row.created),
        updated: isoTime(row.updated),
        expires: row.expires === null ? null : isoTime(row.expires),
      }];
    })
  );
  return {
    type: DOCUMENT_TYPE,
    version: DOCUMENT_VERSION,
    exported: new Date().toISOString(),
    entries: entries.sort((a, b) => a.name < b.name ? -1 : 1),
  };
}

/**
 * Writes a checked document's entries, with their timestamps, in one
 * transaction; without `overwrite`, names the vault holds are a
 * {@linkcode ValidationError} listing them all. Returns the entries
 * written.
 */
export function importRows(
  vault: Writable,
  doc: ExportDocument,
  hashOf: (name: string) => string,
  overwrite: boolean,
): Entry[] {
  const entries = doc.entries.map((entry) => ({
    hash: hashOf(entry.name),
    name: entry.name,
    value: entry.kind === "bytes"
      ? decodeBase64(entry.value, "the bytes value")
      : entry.value,
    expires: entry.expires ? Date.parse(entry.expires) : null,
    times: {
      created: Date.parse(entry.created),
      updated: Date.parse(entry.updated),
    },
  }));
  putEntries(
    vault,
    entries,
    overwrite ? undefined : (taken) => {
      const names = taken.map(({ name }) => JSON.stringify(name)).join(", ");
      throw new ValidationError(
        `the vault already holds ${names}: pass overwrite to replace them; nothing was imported`,
      );
    },
  );
  return entries;
}
