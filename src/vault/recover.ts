/**
 * The survey a recovery open runs instead of failing: every verification
 * check, each reported on its own, and every row tried for decryption, so
 * the user learns what is damaged and can export what is intact.
 *
 * @module
 */

import type { SubKeys } from "../crypto.ts";
import { IntegrityError, SecretsEngineError } from "../errors.ts";
import { entryRows } from "../storage/entry_table.ts";
import { destroyedMarker } from "../storage/meta_table.ts";
import { historyRows } from "../storage/history_table.ts";
import { VERIFICATIONS, verifyDestroyedMarker } from "../storage/integrity.ts";
import type { WalScan } from "../storage/wal.ts";
import { LAST_UNVERSIONED_FORMAT } from "../storage/schema.ts";
import { entryRef, NAME_CELL, openCell, openVersion } from "../storage/rows.ts";
import type { Store } from "../storage/store.ts";

/** What a recovery open found; see {@linkcode SecretsEngine.recovery}. */
export interface RecoveryReport {
  /** Whether every check passed: the vault would have opened normally. */
  intact: boolean;
  /** Each failed check, in words (no secret, no clear name). */
  problems: string[];
  /** How many entries decrypt and authenticate. */
  readable: number;
  /**
   * The entries whose name or value does not, by hash prefix, and the
   * earlier versions whose value does not (`entry 1a2b3c4d version 2`).
   */
  unreadable: string[];
}

function attempt(problems: string[], check: () => void): void {
  try {
    check();
  } catch (error) {
    if (!(error instanceof SecretsEngineError)) throw error;
    problems.push(error.message);
  }
}

function walProblems(wal: WalScan): string[] {
  const problems = wal.impossible === null
    ? []
    : [`${wal.impossible}: the WAL is read up to that frame and no further`];
  if (wal.damaged.length === 0) return problems;
  return [
    ...problems,
    `the WAL has ${wal.damaged.length} damaged frame(s); ${wal.commitsAfterDamage} committed write(s) from the first of them on are read here, which an ordinary open cannot read`,
  ];
}

function markerProblems(store: Store, keys: SubKeys): string[] {
  const marker = destroyedMarker(store);
  if (marker === null) return [];
  try {
    verifyDestroyedMarker(marker, keys);
    return ["the vault was destroyed, and its removal did not finish"];
  } catch (error) {
    if (error instanceof IntegrityError) return [error.message];
    throw error;
  }
}

/**
 * Runs every check and tries every row, collecting what fails instead of
 * throwing; `wal` is what the scan of the WAL found when the image was
 * built, and its damage is reported first, with any destroyed marker.
 */
export function surveyVault(
  vault: { store: Store; keys: SubKeys; format: number },
  wal: WalScan,
): RecoveryReport {
  const { store, keys, format } = vault;
  const problems = [...walProblems(wal), ...markerProblems(store, keys)];
  for (const verify of VERIFICATIONS) {
    attempt(problems, () => verify(store, keys));
  }
  let readable = 0;
  const unreadable: string[] = [];
  attempt(problems, () => {
    for (const row of entryRows(store, format)) {
      try {
        openCell(keys, NAME_CELL, row.name_hash, row.name).fill(0);
        openVersion(keys, row).fill(0);
        readable++;
      } catch (error) {
        if (!(error instanceof SecretsEngineError)) throw error;
        unreadable.push(entryRef(row.name_hash));
      }
    }
  });
  const entries = unreadable.length;
  if (format > LAST_UNVERSIONED_FORMAT) {
    attempt(problems, () => {
      for (const row of historyRows(store)) {
        try {
          openVersion(keys, row).fill(0);
        } catch (error) {
          if (!(error instanceof SecretsEngineError)) throw error;
          unreadable.push(`${entryRef(row.name_hash)} version ${row.version}`);
        }
      }
    });
  }
  if (entries > 0) problems.push(`${entries} entries do not decrypt`);
  if (unreadable.length > entries) {
    problems.push(
      `${unreadable.length - entries} earlier versions do not decrypt`,
    );
  }
  return { intact: problems.length === 0, problems, readable, unreadable };
}
