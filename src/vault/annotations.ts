/**
 * Annotations on an open vault: a secret's note, tags and rotation policy,
 * sealed like its name by `storage/rows.ts` (AES-256-GCM under the value
 * key, bound to the entry's name hash), stored beside the entry and covered
 * by the integrity accumulator. Changing one makes no new version; a new
 * value keeps it; a revert restores the value, not the annotation.
 *
 * @module
 */

import { DecryptionError, KeyNotFoundError } from "../errors.ts";
import { checkAnnotationChange, NO_ANNOTATION } from "../rules/annotation.ts";
import type { OpenedVault } from "./opened.ts";
import { entryRef, openAnnotation } from "../storage/rows.ts";
import { writeEntries } from "../storage/writes.ts";
import type { Annotation } from "../types.ts";

/** The annotation of the entry `hash`, or the empty one. */
export function readAnnotation(vault: OpenedVault, hash: string): Annotation {
  const row = vault.table.annotations.get(hash);
  return row === undefined
    ? NO_ANNOTATION
    : openAnnotation(vault.keys, hash, row.sealed);
}

/**
 * Every annotation of the vault by name hash. On a recovery open, one that
 * does not decrypt is left out (the survey has reported it).
 */
export function allAnnotations(vault: OpenedVault): Map<string, Annotation> {
  const found = new Map<string, Annotation>();
  for (const { name_hash, sealed } of vault.table.annotations.all()) {
    try {
      found.set(name_hash, openAnnotation(vault.keys, name_hash, sealed));
    } catch (error) {
      if (vault.recovery === null || !(error instanceof DecryptionError)) {
        throw error;
      }
    }
  }
  return found;
}

/**
 * Changes the annotation of the secret `name` (checked first), in one
 * transaction; no new version is written. A missing secret is a
 * {@linkcode KeyNotFoundError}.
 */
export function annotateSecret(
  vault: OpenedVault,
  name: string,
  change: unknown,
): void {
  const checked = checkAnnotationChange(change);
  const hashes = vault.names.lookup(name);
  writeEntries(vault, Date.now(), (session) => {
    const hash = hashes.find((candidate) => session.row(candidate));
    if (hash === undefined) {
      throw new KeyNotFoundError(`no secret under ${entryRef(hashes[0])}`);
    }
    session.annotate(hash, checked);
  });
}
