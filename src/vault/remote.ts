/**
 * Which remote this copy of the vault syncs with: set (checked against
 * the server, whose tables and head row are made where missing), shown,
 * and unset. The address is kept in `remote.json` without a password; the
 * caller gives the password (the CLI from `PGPASSWORD`, `~/.pgpass` or a
 * prompt). Talking to the server needs `--allow-net=HOST:PORT` and nothing
 * else; the driver is loaded only here.
 *
 * @module
 */

import { IntegrityError, PermissionError, ValidationError } from "../errors.ts";
import {
  parseRemoteAddress,
  type RemoteAddress,
  remoteUrl,
} from "../remote/address.ts";
import { vaultFingerprint } from "../keys/vault_fingerprint.ts";
import { directoryOwner } from "../storage/files.ts";
import { readCopyRecord } from "../storage/meta_table.ts";
import {
  readRemoteFile,
  removeRemoteFile,
  writeRemoteFile,
} from "../storage/remote_file.ts";
import type { OpenedVault } from "./opened.ts";
import { registerOwnMember } from "./epochs.ts";
import { copyId } from "./replica_state.ts";

/** A copy's remote, as {@linkcode SecretsEngine.remote} shows it. */
export interface RemoteInfo {
  /** The engine: `postgres`. */
  engine: "postgres";
  /** Its address, `postgres://USER@HOST:PORT/DATABASE`, with no password. */
  url: string;
  /** The vault's name there. */
  name: string;
  /**
   * The vault's fingerprint, `SHA256:…`, the same on every copy: what a
   * teammate pins with `clone --fingerprint`.
   */
  fingerprint: string;
}

/** What {@linkcode SecretsEngine.setRemote} found on the server. */
export interface RemoteSet extends RemoteInfo {
  /** `write` when the role may push, `read` when it may only pull. */
  access: "write" | "read";
}

/** Options for {@linkcode SecretsEngine.setRemote}. */
export interface SetRemoteOptions {
  /** The vault's name in the remote's database; default `default`. */
  name?: string;
  /** The role's password, when the server asks for one. */
  password?: string;
}

function info(vault: OpenedVault, address: RemoteAddress): RemoteInfo {
  const { vaultId } = readCopyRecord(vault.store);
  return {
    engine: "postgres",
    url: remoteUrl(address),
    name: address.name,
    fingerprint: vaultFingerprint(vaultId, vault.keys.index),
  };
}

/** Refuses, naming the flag, a process that may not reach the server. */
export function checkNet(address: RemoteAddress): void {
  const host = `${address.host}:${address.port}`;
  const access = Deno.permissions.querySync({ name: "net", host });
  if (access.state !== "granted") {
    throw new PermissionError(
      `--allow-net=${host}`,
      `talking to the remote needs network access to ${host}`,
    );
  }
}

/** This copy's remote, or `null` when it has none. */
export function readRemote(vault: OpenedVault): RemoteInfo | null {
  const address = storedAddress(vault);
  return address === null ? null : info(vault, address);
}

/**
 * The address of this copy's remote, checked for `--allow-net`; none is a
 * {@linkcode ValidationError}.
 */
export function remoteAddress(vault: OpenedVault): RemoteAddress {
  const address = storedAddress(vault);
  if (address === null) {
    throw new ValidationError(
      "this copy has no remote: set one with setRemote (secrets remote set URL)",
    );
  }
  checkNet(address);
  return address;
}

function storedAddress(vault: OpenedVault): RemoteAddress | null {
  const stored = readRemoteFile(vault.dir, directoryOwner(vault.dir));
  if (stored === null) return null;
  const { url, name } = typeof stored === "object" ? { ...stored } : {
    url: undefined,
    name: undefined,
  };
  try {
    return parseRemoteAddress(url, name);
  } catch {
    throw new IntegrityError(
      "remote.json does not hold a remote: it was changed outside the engine; secrets remote unset forgets it",
    );
  }
}

/**
 * Sets this copy's remote: checks the address, reaches the server, makes
 * what is missing there, then records it. A bad address or password
 * option is a {@linkcode ValidationError}, a missing `--allow-net` a
 * {@linkcode PermissionError}, a server that refuses a `RemoteError`; in
 * each case nothing is recorded.
 */
export async function setRemote(
  vault: OpenedVault,
  url: unknown,
  options: SetRemoteOptions,
): Promise<RemoteSet> {
  if (typeof options !== "object" || options === null) {
    throw new ValidationError("options must be an object");
  }
  const { name, password } = options;
  if (password !== undefined && typeof password !== "string") {
    throw new ValidationError("password must be a string");
  }
  const address = parseRemoteAddress(url, name);
  checkNet(address);
  const { prepareRemote } = await import("../remote/postgres.ts");
  const access = await prepareRemote(address, password);
  // A copy that may push takes later key epochs through a member key of
  // its own.
  if (access === "write") {
    await registerOwnMember(vault, "origin", copyId(vault));
  }
  return { ...recordRemote(vault, address), access };
}

/** Records `address` as the remote of `vault`'s copy. */
export function recordRemote(
  vault: OpenedVault,
  address: RemoteAddress,
): RemoteInfo {
  writeRemoteFile(vault.dir, { url: remoteUrl(address), name: address.name });
  return info(vault, address);
}

/** Forgets this copy's remote; returns whether there was one. */
export function unsetRemote(vault: OpenedVault): boolean {
  return removeRemoteFile(vault.dir);
}
