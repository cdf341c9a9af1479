/**
 * Machine binding factors: facts about the machine mixed into the
 * key-encryption key, so that a vault copied elsewhere does not open. None
 * is used unless asked for; the set a vault uses is recorded at creation,
 * by name only, and each needs its `--allow-sys` permission to be read.
 *
 * `mac` is read for vaults that 0.1 bound to it, and no longer offered for
 * new ones: Deno reports neither whether an interface is up nor whether it
 * is virtual, so no rule over `Deno.networkInterfaces()` stays stable when
 * a Docker bridge, a VPN or a DHCP lease comes and goes.
 *
 * @module
 */

import { userInfo } from "node:os";
import { PermissionError, ValidationError } from "../errors.ts";
import type { BindingFactor } from "../types.ts";

/** Every binding factor, in the canonical order they are combined in. */
const BINDING_FACTORS: readonly BindingFactor[] = [
  "hostname",
  "mac",
  "user",
];

type SysKind = NonNullable<Deno.SysPermissionDescriptor["kind"]>;

// node:os userInfo() asks for uid and gid as well as userInfo, which Deno's
// types do not list as a kind yet.
const SYS_KINDS: Record<BindingFactor, readonly string[]> = {
  hostname: ["hostname"],
  mac: ["networkInterfaces"],
  user: ["userInfo", "uid", "gid"],
};

const NO_MAC = "00:00:00:00:00:00";

function granted(kind: string): boolean {
  const descriptor = { name: "sys", kind: kind as SysKind } as const;
  return Deno.permissions.querySync(descriptor).state === "granted";
}

/**
 * The exact flag that grants what `factor` needs.
 *
 * @example Name the flag a binding factor needs
 * ```ts
 * import { factorFlag } from "./factors.ts";
 * import assert from "node:assert/strict";
 * assert.equal(factorFlag("hostname"), "--allow-sys=hostname");
 * ```
 */
export function factorFlag(factor: BindingFactor): string {
  return `--allow-sys=${SYS_KINDS[factor].join(",")}`;
}

/**
 * Throws {@linkcode PermissionError} naming, in one flag, every
 * `--allow-sys` kind `factors` need that is not granted: for a vault bound
 * to them, or (`making`) for a new vault about to be.
 *
 * @example Require the permissions of binding factors
 * ```ts
 * import { requireFactors } from "./factors.ts";
 * import assert from "node:assert/strict";
 * assert.doesNotThrow(() => requireFactors([]));
 * ```
 */
export function requireFactors(
  factors: readonly BindingFactor[],
  making = false,
): void {
  const missing = factors.flatMap((factor) => SYS_KINDS[factor])
    .filter((kind) => !granted(kind));
  if (missing.length === 0) return;
  const named = factors.join(" and ");
  throw new PermissionError(
    `--allow-sys=${[...new Set(missing)].join(",")}`,
    making
      ? `binding a new vault to the machine's ${named} reads them`
      : `this vault is bound to the machine's ${named}`,
  );
}

/**
 * The MAC of the first interface by name with a non-zero address: the rule
 * 0.1 bound vaults with, kept exactly so that they keep opening.
 */
function primaryMac(): string {
  const nics = Deno.networkInterfaces()
    .filter((nic) => nic.mac !== NO_MAC)
    .sort((a, b) => a.name.localeCompare(b.name) || a.mac.localeCompare(b.mac));
  return nics[0]?.mac ?? "";
}

function readFactor(factor: BindingFactor): string {
  switch (factor) {
    case "hostname":
      return Deno.hostname();
    case "mac":
      return primaryMac();
    case "user":
      return userInfo().username;
  }
}

/**
 * Reads the values of `factors` (whose permissions must be granted) into an
 * unambiguous byte string for the key derivation.
 *
 * @example Read binding factors into key material
 * ```ts
 * import { readFactors } from "./factors.ts";
 * import assert from "node:assert/strict";
 * assert.ok(readFactors([]).length > 0);
 * ```
 */
export function readFactors(factors: readonly BindingFactor[]): Uint8Array {
  requireFactors(factors);
  const pairs = factors.map((factor) => [factor, readFactor(factor)]);
  return new TextEncoder().encode(JSON.stringify(pairs));
}

/** The factors a new vault may be bound to. */
const NEW_VAULT_FACTORS: readonly BindingFactor[] = ["hostname", "user"];

/**
 * Checks the factors asked for a new vault, returning them without
 * duplicates in canonical order, or a reason they are refused.
 *
 * @example Check and order the factors asked for
 * ```ts
 * import { parseFactors } from "./factors.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseFactors(["user", "hostname"]).join(), "hostname,user");
 * ```
 */
export function parseFactors(input: unknown): BindingFactor[] {
  if (!Array.isArray(input)) {
    throw new ValidationError(
      'factors must be a list of "hostname" and "user"',
    );
  }
  if (input.includes("mac")) {
    throw new ValidationError(
      'the "mac" factor is no longer offered: interfaces come and go (Docker, VPNs), locking the vault; use "hostname" and "user"',
    );
  }
  if (!input.every((item) => NEW_VAULT_FACTORS.includes(item))) {
    throw new ValidationError(
      'factors must be a list of "hostname" and "user"',
    );
  }
  return BINDING_FACTORS.filter((factor) => input.includes(factor));
}

/**
 * The factors a vault recorded at creation, `mac` included for vaults 0.1
 * made, or `null` when the record names something unknown.
 *
 * @example Read the factors a vault recorded
 * ```ts
 * import { recordedFactors } from "./factors.ts";
 * import assert from "node:assert/strict";
 * assert.equal(recordedFactors(["mac"])?.join(), "mac");
 * ```
 */
export function recordedFactors(
  names: readonly string[],
): BindingFactor[] | null {
  const known = (name: string): name is BindingFactor =>
    (BINDING_FACTORS as readonly string[]).includes(name);
  return names.every(known) ? [...names] : null;
}
