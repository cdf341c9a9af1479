/**
 * The export document: what a backup or a share holds inside its
 * encryption. A small, versioned JSON document, readable by anyone who can
 * decrypt it (`age -d backup.age | jq`), so a backup outlives this library:
 *
 * ```json
 * { "type": "@scope/secrets export", "version": 2, "exported": "2026-11-25T22:00:00.000Z",
 *   "entries": [{ "name": "db.url", "kind": "text", "value": "postgres://…",
 *                 "created": "2026-01-01T00:00:00.000Z", "updated": "2026-02-01T00:00:00.000Z",
 *                 "expires": null }] }
 * ```
 *
 * Version 3 adds, when asked for, each entry's version number and its
 * earlier versions (`"version": 3, "versions": [{ "version": 2, "kind":
 * "text", "value": "…", "updated": "…", "expires": null }]`, newest
 * first). A document without them is still written as version 2, which
 * 0.2 reads.
 *
 * @module
 */

import type { SubKeys } from "../crypto.ts";
import { DecryptionError } from "../errors.ts";
import { decodeBase64, encodeBase64 } from "../base64.ts";
import { isLive } from "../rules/expiry.ts";
import {
  checkDocument,
  DOCUMENT_TYPE,
  DOCUMENT_VERSION,
  HISTORY_DOCUMENT_VERSION,
  PLAIN_DOCUMENT_VERSION,
  validateExportOptions,
} from "../rules/document.ts";
import type { OpenedVault } from "./opened.ts";
import { matching } from "./read.ts";
import { openAnnotation } from "../storage/rows.ts";
import { refuseTaken } from "./write.ts";
import { openVersion } from "../storage/rows.ts";
import type { VersionColumns } from "../storage/columns.ts";
import { type Entry, putEntries } from "../storage/put_entries.ts";
import type { VaultStore } from "../storage/writes.ts";
import type {
  ExportDocument,
  ExportedEntry,
  ExportedVersion,
  ExportOptions,
  ProgressListener,
  ProgressOptions,
  ValueKind,
} from "../types.ts";
import { validateProgress } from "../rules/validate.ts";

const decoder = new TextDecoder("utf-8", { fatal: true });

function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** The value of a version as the document writes it. */
function documentValue(keys: SubKeys, row: VersionColumns): string {
  const plain = openVersion(keys, row);
  try {
    return row.kind === "bytes" ? encodeBase64(plain) : decoder.decode(plain);
  } finally {
    plain.fill(0);
  }
}

function optionalTime(ms: number | null): string | null {
  return ms === null ? null : isoTime(ms);
}

/**
 * The document of the entries `named` (name hash, clear name), read in one
 * snapshot; an entry deleted meanwhile is left out, and so is an expired
 * one unless `options.expired`. With `skip`, a row or version that does not
 * decrypt is handed to it and left out (a recovery); otherwise it throws.
 */
function exportRows(
  vault: VaultStore,
  named: readonly { hash: string; name: string }[],
  options: ExportOptions = {},
  skip?: (error: DecryptionError) => void,
): ExportDocument {
  const { store, table, keys } = vault;
  const now = Date.now();
  const readable = <T>(read: () => T): T[] => {
    try {
      return [read()];
    } catch (error) {
      if (!(skip && error instanceof DecryptionError)) throw error;
      skip(error);
      return [];
    }
  };
  const entries = store.snapshot(() =>
    named.flatMap(({ hash, name }): ExportedEntry[] => {
      const row = table.row(hash);
      if (row === undefined) return [];
      if (!options.expired && !isLive(row.expires, now)) return [];
      return readable((): ExportedEntry => ({
        name,
        kind: row.kind,
        value: documentValue(keys, row),
        created: isoTime(row.created),
        updated: isoTime(row.updated),
        expires: optionalTime(row.expires),
        ...annotationFields(keys, hash, table, readable),
        ...(options.history
          ? {
            version: row.version,
            versions: table.history.versions(hash).flatMap((earlier) =>
              readable((): ExportedVersion => ({
                version: earlier.version,
                kind: earlier.kind,
                value: documentValue(keys, earlier),
                updated: isoTime(earlier.updated),
                expires: optionalTime(earlier.expires),
              }))
            ),
          }
          : {}),
      }));
    })
  );
  const annotated = entries.some((entry) => entry.tags !== undefined);
  return {
    type: DOCUMENT_TYPE,
    version: annotated
      ? DOCUMENT_VERSION
      : options.history
      ? HISTORY_DOCUMENT_VERSION
      : PLAIN_DOCUMENT_VERSION,
    exported: new Date().toISOString(),
    entries: entries.sort((a, b) => a.name < b.name ? -1 : 1),
  };
}

/**
 * The annotation of the entry `hash` as document fields, none when it has
 * none; one that does not decrypt goes through `readable` like a value.
 */
function annotationFields(
  keys: SubKeys,
  hash: string,
  table: VaultStore["table"],
  readable: <T>(read: () => T) => T[],
): Pick<ExportedEntry, "note" | "tags" | "rotateEvery"> {
  const row = table.annotations.get(hash);
  if (row === undefined) return {};
  const [annotation] = readable(() => openAnnotation(keys, hash, row.sealed));
  return annotation === undefined ? {} : { ...annotation };
}

function documentBytes(kind: ValueKind, value: string): string | Uint8Array {
  return kind === "bytes" ? decodeBase64(value, "the bytes value") : value;
}

function expiryOf(expires: string | null | undefined): number | null {
  return expires ? Date.parse(expires) : null;
}

/**
 * Writes a checked document's entries, with their timestamps, expiry, any
 * earlier versions (raising the vault's history limit to keep them all)
 * and any annotation (which replaces the vault's; an entry without one
 * keeps it), in one transaction; without `overwrite`, names the vault
 * holds are a `ValidationError` listing them all. Returns the
 * entries written.
 */
function importRows(
  vault: VaultStore,
  doc: ExportDocument,
  hashOf: (name: string) => string,
  overwrite: boolean,
  onProgress?: ProgressListener,
): Entry[] {
  const entries = doc.entries.map((entry): Entry => ({
    hash: hashOf(entry.name),
    name: entry.name,
    value: documentBytes(entry.kind, entry.value),
    expires: expiryOf(entry.expires),
    times: {
      created: Date.parse(entry.created),
      updated: Date.parse(entry.updated),
    },
    version: entry.version,
    earlier: (entry.versions ?? []).toReversed().map((earlier) => ({
      value: documentBytes(earlier.kind, earlier.value),
      expires: expiryOf(earlier.expires),
      version: earlier.version,
      updated: Date.parse(earlier.updated),
    })),
    // A document's annotation replaces the vault's; an entry without one
    // keeps it.
    annotation: entry.tags === undefined ? undefined : {
      note: entry.note ?? null,
      tags: entry.tags,
      rotateEvery: entry.rotateEvery ?? null,
    },
  }));
  putEntries(vault, entries, {
    refuseExisting: overwrite ? undefined : refuseTaken,
    onProgress,
  });
  return entries;
}

/**
 * The document of the secrets `pattern` matches (all without one), with
 * `options` checked. On a recovery open, what does not decrypt is left out
 * (the survey has reported it).
 */
export function exportSecrets(
  vault: OpenedVault,
  pattern: string | undefined,
  options: ExportOptions,
): ExportDocument {
  const { history, expired } = validateExportOptions(options);
  const skip = vault.recovery === null ? undefined : () => {};
  const named = matching(vault, pattern, expired ? "all" : "live");
  return exportRows(vault, named, { history, expired }, skip);
}

/**
 * Writes the secrets of `doc`, once checked, in one transaction and
 * records them in the name index; returns how many were written.
 */
export function importSecrets(
  vault: OpenedVault,
  doc: ExportDocument,
  options: { overwrite?: boolean } & ProgressOptions,
): number {
  const written = importRows(
    vault,
    checkDocument(doc),
    (name) => vault.names.hash(name),
    options.overwrite === true,
    validateProgress(options),
  );
  for (const { hash, name, expires } of written) {
    vault.names.add(hash, name, expires);
  }
  return written.length;
}
