/**
 * The documented limits on what a vault accepts.
 *
 * @module
 */

/**
 * The longest accepted name, in UTF-8 bytes.
 *
 * @example Check that a name fits
 * ```ts
 * import { MAX_NAME_BYTES } from "@scope/secrets";
 * import assert from "node:assert/strict";
 * const fits = (name: string) => new TextEncoder().encode(name).length <= MAX_NAME_BYTES;
 * assert.ok(fits("openai.apiKey"));
 * ```
 */
export const MAX_NAME_BYTES = 512;

/**
 * The longest accepted value, in UTF-8 bytes (1 MiB).
 */
export const MAX_VALUE_BYTES = 1024 * 1024;

/**
 * The longest accepted glob pattern, in characters. Matching takes time
 * linear in name × pattern, so this bounds the work of one match.
 */
export const MAX_PATTERN_LENGTH = 256;

/**
 * How many earlier versions of each secret a new vault keeps unless
 * `open({ historyLimit })` says otherwise.
 */
export const DEFAULT_HISTORY_LIMIT = 10;

/**
 * The most earlier versions of each secret a vault may keep.
 */
export const MAX_HISTORY_LIMIT = 1000;

/**
 * The most key slots of one copy a vault holds (keyfile, passphrase and
 * key slots): each passphrase slot costs an open that tries it one scrypt
 * derivation (~0.5 s), and more of them than this is refused as tampering
 * before any is tried.
 */
export const MAX_SLOTS = 16;

/**
 * The most members a vault holds. A member slot costs an open nothing
 * unless the identity given is its own (slots are matched by fingerprint),
 * and a rotation one age encryption each.
 */
export const MAX_MEMBERS = 1000;

/** The longest note, in UTF-8 bytes. */
export const MAX_NOTE_BYTES = 4096;
/** The most tags one secret carries. */
export const MAX_TAGS = 32;
/** The longest tag, in characters. */
export const MAX_TAG_LENGTH = 64;

/**
 * The longest rotation period, and the longest window `status` looks
 * ahead: 100 years, in milliseconds.
 */
export const MAX_PERIOD_MS = 100 * 365 * 86_400_000;
