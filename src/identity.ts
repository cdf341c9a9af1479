/**
 * Machine binding factors: facts about the machine mixed into the
 * key-encryption key, so that a vault copied elsewhere does not open. Each
 * is read only where Deno grants its permission; the set a vault uses is
 * recorded at creation, by name only.
 *
 * @module
 */

import { userInfo } from "node:os";
import { PermissionError } from "./errors.ts";

/** A fact about the machine that a vault can be bound to. */
export type BindingFactor = "hostname" | "mac" | "user";

/** Every binding factor, in the canonical order they are combined in. */
export const BINDING_FACTORS: readonly BindingFactor[] = [
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
 * @example
 * ```ts
 * import { factorFlag } from "./identity.ts";
 * console.assert(factorFlag("hostname") === "--allow-sys=hostname");
 * ```
 */
export function factorFlag(factor: BindingFactor): string {
  return `--allow-sys=${SYS_KINDS[factor].join(",")}`;
}

/**
 * The factors whose permissions Deno has granted: what a new vault binds to
 * when the caller does not choose.
 *
 * @example
 * ```ts
 * import { grantedFactors } from "./identity.ts";
 * console.assert(Array.isArray(grantedFactors()));
 * ```
 */
export function grantedFactors(): BindingFactor[] {
  return BINDING_FACTORS.filter((factor) => SYS_KINDS[factor].every(granted));
}

/**
 * Throws {@linkcode PermissionError} naming the flag for the first factor in
 * `factors` whose permission is not granted.
 *
 * @example
 * ```ts
 * import { requireFactors } from "./identity.ts";
 * requireFactors([]);
 * ```
 */
export function requireFactors(factors: readonly BindingFactor[]): void {
  for (const factor of factors) {
    if (!SYS_KINDS[factor].every(granted)) {
      throw new PermissionError(
        factorFlag(factor),
        `this vault is bound to the machine's ${factor}`,
      );
    }
  }
}

/** The MAC of the first non-loopback interface, by name: stable across boots. */
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
 * @example
 * ```ts
 * import { readFactors } from "./identity.ts";
 * console.assert(readFactors([]).length > 0);
 * ```
 */
export function readFactors(factors: readonly BindingFactor[]): Uint8Array {
  requireFactors(factors);
  const pairs = factors.map((factor) => [factor, readFactor(factor)]);
  return new TextEncoder().encode(JSON.stringify(pairs));
}

/**
 * Checks that `input` is a list of known binding factors, returning them
 * without duplicates in canonical order.
 *
 * @example
 * ```ts
 * import { parseFactors } from "./identity.ts";
 * console.assert(parseFactors(["user", "hostname"])?.join() === "hostname,user");
 * ```
 */
export function parseFactors(input: unknown): BindingFactor[] | null {
  if (!Array.isArray(input)) return null;
  if (!input.every((item) => BINDING_FACTORS.includes(item))) return null;
  return BINDING_FACTORS.filter((factor) => input.includes(factor));
}
