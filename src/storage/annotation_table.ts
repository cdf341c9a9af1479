/**
 * The `annotations` table (format 5) and the `exposures` table (format
 * 6), which share one shape: at most one sealed cell per entry, keyed by
 * its name hash. Their sealing is `rows.ts`'s; here they are bytes.
 *
 * @module
 */

import type { Store } from "./store.ts";

/** One stored annotation, as its MAC covers it. */
export interface AnnotationRow {
  /** The entry's name hash. */
  name_hash: string;
  /** The annotation, sealed. */
  sealed: Uint8Array;
}

/** The annotations table of one connection. */
export interface AnnotationTable {
  /** The annotation of the entry `hash`, if it has one. */
  get(hash: string): AnnotationRow | undefined;
  /** Every annotation, in name-hash order. */
  all(): AnnotationRow[];
  /** Stores (or replaces) an annotation. */
  put(row: AnnotationRow): void;
  /** Removes the annotation of the entry `hash`. */
  remove(hash: string): void;
}

/** A vault of a format before annotations: none to read, none to write. */
export const NO_ANNOTATIONS: AnnotationTable = {
  get: () => undefined,
  all: () => [],
  put: () => {
    throw new Error("a vault of an earlier format holds no annotation");
  },
  remove: () => {},
};

/**
 * Prepares the statements of the annotations table on `store`.
 */
export function annotationTable(store: Store): AnnotationTable {
  return sealedTable(store, "annotations");
}

/**
 * Prepares the statements of the exposures table (format 6) on `store`:
 * rows of the same shape, holding exposure marks.
 */
export function exposureTable(store: Store): AnnotationTable {
  return sealedTable(store, "exposures");
}

/**
 * Prepares the statements of the replica table (format 7) on `store`:
 * rows of the same shape, holding merge bases.
 */
export function replicaTable(store: Store): AnnotationTable {
  return sealedTable(store, "replica");
}

function sealedTable(
  store: Store,
  name: "annotations" | "exposures" | "replica",
): AnnotationTable {
  const select = store.prepare(
    `SELECT name_hash, sealed FROM ${name} WHERE name_hash = ?`,
  );
  const selectAll = store.prepare(
    `SELECT name_hash, sealed FROM ${name} ORDER BY name_hash`,
  );
  const upsert = store.prepare(
    `INSERT OR REPLACE INTO ${name} (name_hash, sealed) VALUES (?, ?)`,
  );
  const remove = store.prepare(`DELETE FROM ${name} WHERE name_hash = ?`);
  return {
    get: (hash) => select.get(hash) as AnnotationRow | undefined,
    all: () => selectAll.all() as unknown as AnnotationRow[],
    put: (row) => {
      upsert.run(row.name_hash, row.sealed);
    },
    remove: (hash) => {
      remove.run(hash);
    },
  };
}
