/**
 * Annotations on an open vault: a secret's note, tags and rotation policy,
 * sealed like its name (AES-256-GCM under the value key, bound to the
 * entry's name hash), stored beside the entry and covered by the integrity
 * accumulator. Changing one makes no new version; a new value keeps it; a
 * revert restores the value, not the annotation.
 *
 * @module
 */

import { decrypt, encrypt, type SubKeys } from "../crypto.ts";
import {
  DecryptionError,
  KeyNotFoundError,
  SecretsEngineError,
} from "../errors.ts";
import {
  applyAnnotationChange,
  changesAnnotation,
  checkAnnotationChange,
  NO_ANNOTATION,
  parseAnnotation,
} from "../rules/annotation.ts";
import type { OpenedVault } from "./opened.ts";
import { entryRef } from "../storage/rows.ts";
import { writeEntries, type WriteSession } from "../storage/writes.ts";
import type { Annotation, AnnotationChange } from "../types.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** The additional data that binds an annotation to its entry. */
function annotationAad(hash: string): Uint8Array {
  return encoder.encode(`annotation\0${hash}`);
}

/**
 * `annotation` sealed for the entry `hash`.
 *
 * @example Seal and open an annotation
 * ```ts
 * import { openAnnotation, sealAnnotation } from "./annotations.ts";
 * import { deriveSubKeys, randomBytes } from "../crypto.ts";
 * import assert from "node:assert/strict";
 * const keys = deriveSubKeys(randomBytes(32));
 * const annotation = { note: "rotate in the dashboard", tags: ["prod"], rotateEvery: 86_400_000 };
 * const sealed = sealAnnotation(keys, "h", annotation);
 * assert.deepEqual(openAnnotation(keys, "h", sealed), annotation);
 * assert.throws(() => openAnnotation(keys, "other", sealed));
 * ```
 */
export function sealAnnotation(
  keys: SubKeys,
  hash: string,
  annotation: Annotation,
): Uint8Array {
  const { note, tags, rotateEvery } = annotation;
  const plain = encoder.encode(JSON.stringify({ note, tags, rotateEvery }));
  try {
    return encrypt(keys.value, plain, annotationAad(hash));
  } finally {
    plain.fill(0);
  }
}

/**
 * The annotation `sealed` holds for the entry `hash`; one that does not
 * decrypt, or is not an annotation, is a {@linkcode DecryptionError}.
 */
export function openAnnotation(
  keys: SubKeys,
  hash: string,
  sealed: Uint8Array,
): Annotation {
  const plain = decrypt(keys.value, sealed, annotationAad(hash));
  const broken = () =>
    new DecryptionError(
      `the annotation of ${
        entryRef(hash)
      } does not decrypt: it was altered or moved`,
    );
  if (plain === null) throw broken();
  try {
    const annotation = parseAnnotation(JSON.parse(decoder.decode(plain)));
    if (annotation === null) throw broken();
    return annotation;
  } catch (error) {
    if (error instanceof SecretsEngineError) throw error;
    throw broken();
  } finally {
    plain.fill(0);
  }
}

/**
 * Applies `change` to the annotation of `hash` inside a write transaction;
 * nothing is written when it changes nothing.
 */
export function annotateInSession(
  keys: SubKeys,
  session: WriteSession,
  hash: string,
  change: AnnotationChange,
): void {
  if (!changesAnnotation(change)) return;
  const sealed = session.annotation(hash);
  const current = sealed === undefined
    ? null
    : openAnnotation(keys, hash, sealed);
  const next = applyAnnotationChange(current, change);
  session.annotate(
    hash,
    next === null ? null : sealAnnotation(keys, hash, next),
  );
}

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
    annotateInSession(vault.keys, session, hash, checked);
  });
}
