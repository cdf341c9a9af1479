/**
 * The integrity accumulator, and its one owner: X, the XOR of the MAC of
 * every row the vault holds (entries, earlier versions, annotations, key
 * slots and settings), the count of entries, and the record that stores
 * them with tag = HMAC(k_tag, X || count). Every writer keeps it in step
 * through an {@linkcode Accumulator}: no other module XORs a MAC into X,
 * encodes the record or writes it, so a new write path cannot forget it.
 *
 * @module
 */

import { equalBytes, hmac, KEY_BYTES, type SubKeys } from "../crypto.ts";
import { IntegrityError } from "../errors.ts";
import type { AnnotationRow } from "./annotation_table.ts";
import type { EntryRow, HistoryRow, UnversionedRow } from "./columns.ts";
import { coveredMac, type CoveredRow, xorInto } from "./macs.ts";
import type { MetaTable } from "./meta_table.ts";
import type { SlotRow } from "./schema.ts";

const COUNT_BYTES = 8;

/** Whether `row` is an entry, which the record also counts. */
function isEntry(row: CoveredRow): boolean {
  return "entry" in row || "unversioned" in row;
}
const RECORD_BYTES = KEY_BYTES + COUNT_BYTES + KEY_BYTES;

/** X and the entry count, as the integrity record holds them. */
export interface AccumulatorState {
  /** XOR of every row's MAC. */
  x: Uint8Array;
  /** How many entries there are. */
  count: number;
}

/**
 * The integrity record of `state`: X, the count (8 bytes, big-endian), and
 * HMAC(`tagKey`, X || count). The encoding the known-answer tests pin.
 */
export function encodeIntegrity(
  tagKey: Uint8Array,
  state: AccumulatorState,
): Uint8Array {
  const record = new Uint8Array(RECORD_BYTES);
  record.set(state.x);
  new DataView(record.buffer).setBigUint64(KEY_BYTES, BigInt(state.count));
  const body = record.subarray(0, KEY_BYTES + COUNT_BYTES);
  record.set(hmac(tagKey, body), KEY_BYTES + COUNT_BYTES);
  return record;
}

/**
 * The state an integrity record holds; a record that is malformed or
 * fails its tag is {@linkcode IntegrityError}.
 */
export function decodeIntegrity(
  tagKey: Uint8Array,
  record: unknown,
): AccumulatorState {
  if (!(record instanceof Uint8Array) || record.length !== RECORD_BYTES) {
    throw new IntegrityError("the integrity record is missing or malformed");
  }
  const body = record.subarray(0, KEY_BYTES + COUNT_BYTES);
  const tag = record.subarray(KEY_BYTES + COUNT_BYTES);
  if (!equalBytes(hmac(tagKey, body), tag)) {
    throw new IntegrityError("the integrity tag does not verify");
  }
  const count = new DataView(record.buffer, record.byteOffset)
    .getBigUint64(KEY_BYTES);
  return { x: record.slice(0, KEY_BYTES), count: Number(count) };
}

/**
 * X and the entry count of one vault under one data key's sub-keys, kept
 * in step by the writer that changes rows: each method takes the row as it
 * is added or removed (XOR makes both the same operation; the names say
 * which the writer means).
 */
export class Accumulator {
  readonly #keys: SubKeys;
  readonly #x: Uint8Array;
  #count: number;

  private constructor(keys: SubKeys, x: Uint8Array, count: number) {
    this.#keys = keys;
    this.#x = x;
    this.#count = count;
  }

  /** An accumulator of no row, for a new vault or a recount. */
  static empty(keys: SubKeys): Accumulator {
    return new Accumulator(keys, new Uint8Array(KEY_BYTES), 0);
  }

  /**
   * The accumulator an integrity record holds; a record that is malformed
   * or fails its tag is {@linkcode IntegrityError}.
   */
  static decode(keys: SubKeys, record: unknown): Accumulator {
    const { x, count } = decodeIntegrity(keys.tag, record);
    return new Accumulator(keys, x, count);
  }

  /** The accumulator the vault's `meta` table records, checked. */
  static read(
    meta: Pick<MetaTable, "integrity">,
    keys: SubKeys,
  ): Accumulator {
    return Accumulator.decode(keys, meta.integrity());
  }

  /** How many entries it counts. */
  get count(): number {
    return this.#count;
  }

  /** The record that stores it: X, the count, and their tag. */
  encode(): Uint8Array {
    return encodeIntegrity(this.#keys.tag, { x: this.#x, count: this.#count });
  }

  /** Writes its record into the vault's `meta` table, in the caller's transaction. */
  write(meta: Pick<MetaTable, "writeIntegrity">): void {
    meta.writeIntegrity(this.encode());
  }

  /** Whether it holds the same X and count as `other`. */
  matches(other: Accumulator): boolean {
    return this.#count === other.#count && equalBytes(this.#x, other.#x);
  }

  #xor(mac: Uint8Array): this {
    xorInto(this.#x, mac);
    return this;
  }

  /** Every row of `rows` added to an empty accumulator under `keys`. */
  static of(keys: SubKeys, rows: Iterable<CoveredRow>): Accumulator {
    const found = Accumulator.empty(keys);
    for (const row of rows) found.add(row);
    return found;
  }

  /** A row or setting added; an entry is counted. */
  add(row: CoveredRow): this {
    if (isEntry(row)) this.#count++;
    return this.#xor(coveredMac(this.#keys, row));
  }

  /** A row or setting removed; an entry is uncounted. */
  remove(row: CoveredRow): this {
    if (isEntry(row)) this.#count--;
    return this.#xor(coveredMac(this.#keys, row));
  }

  /** A new entry (counted). */
  addEntry(row: EntryRow): this {
    return this.add({ entry: row });
  }

  /** An entry removed (uncounted). */
  removeEntry(row: EntryRow): this {
    return this.remove({ entry: row });
  }

  /** An entry's row replaced by `after` (the count stays). */
  replaceEntry(before: EntryRow, after: EntryRow): this {
    return this.remove({ entry: before }).add({ entry: after });
  }

  /** An entry of formats 1 to 3 (counted), as an upgrade reads it. */
  addUnversionedEntry(row: UnversionedRow): this {
    return this.add({ unversioned: row });
  }

  /** An earlier version added. */
  addHistory(row: HistoryRow): this {
    return this.add({ history: row });
  }

  /** An earlier version removed. */
  removeHistory(row: HistoryRow): this {
    return this.remove({ history: row });
  }

  /** An annotation added. */
  addAnnotation(row: AnnotationRow): this {
    return this.add({ annotation: row });
  }

  /** An annotation removed. */
  removeAnnotation(row: AnnotationRow): this {
    return this.remove({ annotation: row });
  }

  /** An exposure mark added (format 6). */
  addExposure(row: AnnotationRow): this {
    return this.add({ exposure: row });
  }

  /** An exposure mark removed. */
  removeExposure(row: AnnotationRow): this {
    return this.remove({ exposure: row });
  }

  /** A merge base added (format 7). */
  addReplica(row: AnnotationRow): this {
    return this.add({ replica: row });
  }

  /** A merge base removed. */
  removeReplica(row: AnnotationRow): this {
    return this.remove({ replica: row });
  }

  /** The copy's settings, the vault id and public key (format 6). */
  addCopy(record: { vaultId: Uint8Array; recipient: Uint8Array }): this {
    return this.add({ copy: record });
  }

  /** A key slot added. */
  addSlot(row: SlotRow): this {
    return this.add({ slot: row });
  }

  /** A key slot removed. */
  removeSlot(row: SlotRow): this {
    return this.remove({ slot: row });
  }

  /** The history limit setting, as a new vault or an upgrade sets it. */
  addHistoryLimit(limit: number): this {
    return this.add({ historyLimit: limit });
  }

  /** The history limit setting changed from `before` to `after`. */
  replaceHistoryLimit(before: number, after: number): this {
    return this.remove({ historyLimit: before }).add({ historyLimit: after });
  }
}
