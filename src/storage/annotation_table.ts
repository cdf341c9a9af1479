/**
 * The `annotations` table (format 5): at most one sealed annotation per
 * entry, keyed by its name hash. Its sealing is `rows.ts`'s; here it is
 * bytes.
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
  const select = store.prepare(
    "SELECT name_hash, sealed FROM annotations WHERE name_hash = ?",
  );
  const selectAll = store.prepare(
    "SELECT name_hash, sealed FROM annotations ORDER BY name_hash",
  );
  const upsert = store.prepare(
    "INSERT OR REPLACE INTO annotations (name_hash, sealed) VALUES (?, ?)",
  );
  const remove = store.prepare("DELETE FROM annotations WHERE name_hash = ?");
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
