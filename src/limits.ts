/**
 * The documented limits on what a vault accepts.
 *
 * @module
 */

/**
 * The longest accepted name, in UTF-8 bytes.
 *
 * @example
 * ```ts
 * import { MAX_NAME_BYTES } from "@scope/secrets";
 * const fits = (name: string) => new TextEncoder().encode(name).length <= MAX_NAME_BYTES;
 * console.assert(fits("openai.apiKey"));
 * ```
 */
export const MAX_NAME_BYTES = 512;

/**
 * The longest accepted value, in UTF-8 bytes (1 MiB).
 *
 * @example
 * ```ts
 * import { MAX_VALUE_BYTES } from "@scope/secrets";
 * console.assert(MAX_VALUE_BYTES === 1024 * 1024);
 * ```
 */
export const MAX_VALUE_BYTES = 1024 * 1024;

/**
 * The longest accepted glob pattern, in characters. Matching takes time
 * linear in name × pattern, so this bounds the work of one match.
 *
 * @example
 * ```ts
 * import { MAX_PATTERN_LENGTH } from "@scope/secrets";
 * console.assert(MAX_PATTERN_LENGTH === 256);
 * ```
 */
export const MAX_PATTERN_LENGTH = 256;

/**
 * How many earlier versions of each secret a new vault keeps unless
 * `open({ historyLimit })` says otherwise.
 *
 * @example
 * ```ts
 * import { DEFAULT_HISTORY_LIMIT } from "@scope/secrets";
 * console.assert(DEFAULT_HISTORY_LIMIT === 10);
 * ```
 */
export const DEFAULT_HISTORY_LIMIT = 10;

/**
 * The most earlier versions of each secret a vault may keep.
 *
 * @example
 * ```ts
 * import { MAX_HISTORY_LIMIT } from "@scope/secrets";
 * console.assert(MAX_HISTORY_LIMIT === 1000);
 * ```
 */
export const MAX_HISTORY_LIMIT = 1000;
