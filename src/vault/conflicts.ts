/**
 * Sync conflicts: the values a merge kept beside a secret's current one
 * (in its merge base, where no pruning reaches them), listed, and ended
 * by `resolve`, which writes the chosen value and clears the kept ones in
 * one transaction. The next sync pushes the choice to every copy.
 *
 * @module
 */

import { decodeBase64 } from "../base64.ts";
import { ValidationError } from "../errors.ts";
import { validateName } from "../rules/validate.ts";
import type { CarriedValue, NameBase } from "../rules/replica.ts";
import { type Entry, putEntries } from "../storage/put_entries.ts";
import type { OpenedVault } from "./opened.ts";
import { copyId, readBases } from "./replica_state.ts";

/** One value a conflict kept. */
export interface KeptValue {
  /** Its number, from 1: what {@linkcode SecretsEngine.resolve} takes. */
  number: number;
  /** The value: a string for text, bytes for bytes. */
  value: string | Uint8Array;
  /** When it was written. */
  updated: Date;
  /** When it stops being valid, or `null`. */
  expires: Date | null;
  /** Whether this copy wrote it. */
  mine: boolean;
}

/** A secret with values a sync conflict kept. */
export interface SyncConflict {
  /** The secret's name. */
  name: string;
  /** The kept values, beside the current one. */
  kept: KeptValue[];
}

const decoder = new TextDecoder("utf-8", { fatal: true });

function clearOf(carried: CarriedValue): string | Uint8Array {
  const bytes = decodeBase64(carried.value, "a kept value");
  return carried.kind === "text" ? decoder.decode(bytes) : bytes;
}

function keptValues(vault: OpenedVault, base: NameBase): KeptValue[] {
  const mine = copyId(vault);
  return base.conflicts.map((carried, at) => ({
    number: at + 1,
    value: clearOf(carried),
    updated: new Date(carried.updated),
    expires: carried.expires === null ? null : new Date(carried.expires),
    mine: carried.from === mine,
  }));
}

/** Every secret with kept values, sorted by name. */
export function listConflicts(vault: OpenedVault): SyncConflict[] {
  return [...readBases(vault).values()]
    .filter((base) => base.conflicts.length > 0)
    .map((base) => ({ name: base.name, kept: keptValues(vault, base) }))
    .sort((a, b) => a.name < b.name ? -1 : 1);
}

function chosen(
  vault: OpenedVault,
  base: NameBase,
  keep: unknown,
): CarriedValue | null {
  if (keep === "remote") return null;
  if (keep === "local") {
    const mine = copyId(vault);
    const found = base.conflicts.find((carried) => carried.from === mine);
    if (found === undefined) {
      throw new ValidationError(
        `this copy wrote none of the values kept for ${
          JSON.stringify(base.name)
        }: keep "remote" or a kept value's number`,
      );
    }
    return found;
  }
  if (
    typeof keep === "number" && Number.isInteger(keep) && keep >= 1 &&
    keep <= base.conflicts.length
  ) {
    return base.conflicts[keep - 1];
  }
  throw new ValidationError(
    `keep is "local", "remote" or a kept value's number, 1 to ${base.conflicts.length}`,
  );
}

/**
 * Ends the conflict on `name` with the value `keep` picks: the current one
 * (`"remote"`), this copy's (`"local"`), or a kept value by number.
 */
export function resolveConflict(
  vault: OpenedVault,
  name: string,
  keep: unknown,
): void {
  validateName(name);
  const hash = vault.names.hash(name);
  const base = readBases(vault).get(hash);
  if (base === undefined || base.conflicts.length === 0) {
    throw new ValidationError(`${JSON.stringify(name)} has no sync conflict`);
  }
  const pick = chosen(vault, base, keep);
  const entries: Entry[] = pick === null
    ? []
    : [{ hash, name, value: clearOf(pick), expires: pick.expires }];
  putEntries(vault, entries, {
    then: (session) => session.replicate(hash, { ...base, conflicts: [] }),
  });
  if (pick !== null) vault.names.add(hash, name, pick.expires);
}
