/**
 * The survey a recovery open runs instead of failing: every verification
 * check, each reported on its own, and every row tried for decryption, so
 * the user learns what is damaged and can export what is intact.
 *
 * @module
 */

import type { SubKeys } from "./crypto.ts";
import { SecretsEngineError } from "./errors.ts";
import { scanEntries } from "./storage/entries.ts";
import { scanHistory } from "./storage/history.ts";
import { VERIFICATIONS } from "./storage/integrity.ts";
import { LAST_UNVERSIONED_FORMAT } from "./storage/schema.ts";
import {
  entryLabel,
  NAME_CELL,
  openCell,
  openVersion,
} from "./storage/rows.ts";
import type { Store } from "./storage/store.ts";

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

/**
 * Runs every check and tries every row, collecting what fails instead of
 * throwing.
 */
export function surveyVault(
  vault: { store: Store; keys: SubKeys; format: number },
): RecoveryReport {
  const { store, keys, format } = vault;
  const problems: string[] = [];
  for (const verify of VERIFICATIONS) {
    attempt(problems, () => verify(store, keys));
  }
  let readable = 0;
  const unreadable: string[] = [];
  attempt(problems, () =>
    scanEntries(store, (row) => {
      try {
        openCell(keys, NAME_CELL, row.name_hash, row.name).fill(0);
        openVersion(keys, row).fill(0);
        readable++;
      } catch (error) {
        if (!(error instanceof SecretsEngineError)) throw error;
        unreadable.push(entryLabel(row.name_hash));
      }
    }, format));
  const entries = unreadable.length;
  if (format > LAST_UNVERSIONED_FORMAT) {
    attempt(problems, () =>
      scanHistory(store, (row) => {
        try {
          openVersion(keys, row).fill(0);
        } catch (error) {
          if (!(error instanceof SecretsEngineError)) throw error;
          unreadable.push(
            `${entryLabel(row.name_hash)} version ${row.version}`,
          );
        }
      }));
  }
  if (entries > 0) problems.push(`${entries} entries do not decrypt`);
  if (unreadable.length > entries) {
    problems.push(
      `${unreadable.length - entries} earlier versions do not decrypt`,
    );
  }
  return { intact: problems.length === 0, problems, readable, unreadable };
}
