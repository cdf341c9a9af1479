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
import { VERIFICATIONS } from "./storage/integrity.ts";
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
  /** The entries whose name or value does not, by hash prefix. */
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
  if (unreadable.length > 0) {
    problems.push(`${unreadable.length} entries do not decrypt`);
  }
  return { intact: problems.length === 0, problems, readable, unreadable };
}
