/**
 * Which secrets a removed member's knowledge still exposes: those whose
 * current value is one the member could read (`rules/exposure.ts`). Read
 * from the exposure marks a removal left, compared with each current value
 * under the exposure key, so a `revert`, `import` or `set` back to a known
 * value keeps a secret listed and a new value clears it.
 *
 * @module
 */

import {
  exposedBy,
  exposureKey,
  type ExposureMark,
} from "../rules/exposure.ts";
import { openExposure, openVersion } from "../storage/rows.ts";
import type { OpenedVault } from "./opened.ts";

/** The marks that still expose each entry's current value, by name hash. */
export function stillExposed(vault: OpenedVault): Map<string, ExposureMark[]> {
  const exposed = new Map<string, ExposureMark[]>();
  const rows = vault.table.exposures.all();
  if (rows.length === 0) return exposed;
  const key = exposureKey(vault.keys.index);
  try {
    for (const row of rows) {
      const current = vault.table.current(row.name_hash);
      if (current === undefined) continue;
      const marks = openExposure(vault.keys, row.name_hash, row.sealed);
      const plain = openVersion(vault.keys, current);
      const by = exposedBy(marks, key, plain);
      plain.fill(0);
      if (by.length > 0) exposed.set(row.name_hash, by);
    }
  } finally {
    key.fill(0);
  }
  return exposed;
}
