/**
 * Cloning a vault from its remote: the member slot the identity opens
 * gives the data key and the name key, which must match the head's key
 * check (and, when given, the pinned fingerprint); a new local vault is
 * made from them with a keyfile of this machine, takes the remote's member
 * slots, records the remote, and pulls every row. Without a pinned
 * fingerprint, a first clone trusts the server for which vault it is.
 *
 * @module
 */

import { deriveSubKeys, equalBytes, keyCheck } from "../crypto.ts";
import { RemoteError, ValidationError } from "../errors.ts";
import { parseSlot } from "../keys/slot.ts";
import { vaultFingerprint } from "../keys/vault_fingerprint.ts";
import { parseAddress } from "../remote/address.ts";
import type { Remote, RemoteHead } from "../remote/remote.ts";
import type { SlotRow } from "../storage/schema.ts";
import { remoteKeys } from "../remote/records.ts";
import type { VaultSeed } from "./create.ts";
import { importMembers, registerOwnMember, verifiedMembers } from "./epochs.ts";
import { copyId } from "./replica_state.ts";
import { openVault } from "./open.ts";
import type { OpenOptions } from "./open_options.ts";
import { validateProgress } from "../rules/validate.ts";
import type { ProgressListener } from "../types.ts";
import type { OpenedVault } from "./opened.ts";
import { checkReach, openAddress, recordRemote } from "./remote.ts";
import { type SyncReport, syncWith } from "./sync.ts";
import { destroyVault } from "./close.ts";

/** Options for {@linkcode SecretsEngine.clone}. */
export interface CloneOptions
  extends Omit<OpenOptions, "unlock" | "create" | "recover"> {
  /** The vault's name in the remote's database; default `default`. */
  name?: string;
  /** The member's age or SSH identity (the key file's text). */
  identity: string;
  /** The identity's passphrase, for an encrypted SSH key. */
  passphrase?: string;
  /** The remote role's password, when the server asks for one. */
  password?: string;
  /** The vault's fingerprint, `SHA256:…`: the clone fails unless it matches. */
  fingerprint?: string;
  /** Told how many names the first pull wrote, of how many. */
  onProgress?: ProgressListener;
}

/** What a clone made. */
export interface Cloned {
  /** The new local copy, open. */
  vault: OpenedVault;
  /** The vault's fingerprint. */
  fingerprint: string;
  /** What the first pull took. */
  report: SyncReport;
}

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

function checkCloneOptions(options: unknown): CloneOptions {
  if (typeof options !== "object" || options === null) {
    throw new ValidationError("options must be an object");
  }
  const { identity, passphrase, password, fingerprint } =
    options as CloneOptions;
  validateProgress(options as CloneOptions);
  if (typeof identity !== "string" || identity.trim() === "") {
    throw new ValidationError("identity must be an age or SSH identity's text");
  }
  for (const [name, value] of Object.entries({ passphrase, password })) {
    if (value !== undefined && typeof value !== "string") {
      throw new ValidationError(`${name} must be a string`);
    }
  }
  if (fingerprint !== undefined && !FINGERPRINT.test(String(fingerprint))) {
    throw new ValidationError(
      "fingerprint must be SHA256: and 43 base64 characters, as secrets remote prints it",
    );
  }
  return options as CloneOptions;
}

/** The keys the identity's member slot gives, checked against the head. */
async function memberKeys(
  remote: Remote,
  head: RemoteHead,
  options: CloneOptions,
): Promise<VaultSeed & { members: SlotRow[]; label: string }> {
  const { vaultId, keyCheck: check } = head;
  if (vaultId === null || check === null) {
    throw new RemoteError(
      "the remote holds nothing under this name yet: push from a copy of the vault first",
    );
  }
  const offered = await remote.members(head.epoch);
  const slots = offered.map(({ slot }) => parseSlot(slot));
  const { openMemberSlot } = await import("../keys/member_slot.ts");
  const { parseIdentities } = await import("../recipients/recipients.ts");
  const identities = await parseIdentities(
    options.identity,
    options.passphrase,
  );
  const { keys, slot } = await openMemberSlot(slots, identities, vaultId);
  if (keys.nameKey === undefined) {
    throw new RemoteError("the member slot holds no name key");
  }
  const sub = deriveSubKeys(keys.dek, keys.nameKey);
  const matches = equalBytes(keyCheck(sub), check);
  for (const key of Object.values(sub)) key.fill(0);
  if (!matches) {
    throw new RemoteError(
      "the member slot's keys do not match the remote's head: the slot or the head was forged; nothing was cloned",
    );
  }
  // The members come from the server: each must carry a key holder's MAC.
  const members = verifiedMembers(
    remoteKeys(keys.dek, vaultId, check),
    offered,
  );
  return {
    dek: keys.dek,
    nameKey: keys.nameKey,
    vaultId,
    members,
    label: slot.row.label,
  };
}

/**
 * Clones the vault at `url` into a new local copy (see the module). Bad
 * options are {@linkcode ValidationError}; an identity that is no member's
 * `KeyMismatchError`; a fingerprint that does not match, or a forged slot
 * or head, `RemoteError`; nothing local is left behind by a failure.
 */
export async function cloneVault(
  url: unknown,
  options: unknown,
): Promise<Cloned> {
  const checked = checkCloneOptions(options);
  const address = parseAddress(url, checked.name);
  checkReach(address);
  await using remote = await openAddress(
    address,
    checked.password,
    checked.path ?? "VAULT",
  );
  const head = await remote.head();
  const seed = await memberKeys(remote, head, checked);
  const fingerprint = vaultFingerprint(seed.vaultId, seed.nameKey);
  if (
    checked.fingerprint !== undefined && checked.fingerprint !== fingerprint
  ) {
    seed.dek.fill(0);
    seed.nameKey.fill(0);
    throw new RemoteError(
      `the remote's vault has the fingerprint ${fingerprint}, not the ${checked.fingerprint} pinned: nothing was cloned`,
    );
  }
  const { path, location, factors, busyTimeoutMs, historyLimit } = checked;
  const open = {
    path,
    location,
    factors,
    busyTimeoutMs,
    historyLimit,
    create: true,
  };
  const vault = await openVault(open, seed);
  seed.dek.fill(0);
  seed.nameKey.fill(0);
  try {
    importMembers(vault, seed.members);
    recordRemote(vault, address);
    // Where the role may push, this copy registers a member key of its
    // own and sends it, so it takes later key epochs unattended.
    const push = await remote.writable();
    if (push) await registerOwnMember(vault, seed.label, copyId(vault));
    const report = await syncWith(vault, remote, {
      pull: true,
      push,
      repair: false,
      onProgress: validateProgress(checked),
    });
    return { vault, fingerprint, report };
  } catch (error) {
    // A clone that did not finish leaves no vault behind.
    destroyVault(vault);
    throw error;
  }
}
