/**
 * Which remote this copy of the vault syncs with: set (checked against
 * the server, whose tables and head row are made where missing, or a git
 * folder, made with its `.gitattributes`), shown, unset and opened. The
 * address is kept in `remote.json` without a password; the caller gives
 * the password (the CLI from `PGPASSWORD`, `~/.pgpass` or a prompt).
 * Talking to a server needs `--allow-net=HOST:PORT` and nothing else; a
 * git folder, read and write on it. The driver is loaded only with the
 * code that talks to a server.
 *
 * @module
 */

import { IntegrityError, PermissionError, ValidationError } from "../errors.ts";
import {
  addressUrl,
  type AnyAddress,
  parseAddress,
  type RemoteAddress,
} from "../remote/address.ts";
import type { Remote } from "../remote/remote.ts";
import { checkFolder, driverLine, prepareGitFolder } from "./git_remote.ts";
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
  /** The engine: `postgres`, or `git` (a folder in a git working tree). */
  engine: "postgres" | "git";
  /**
   * Its address: `postgres://USER@HOST:PORT/DATABASE`, with no password,
   * or `git:DIR`.
   */
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
  /**
   * For a git folder: the `git config` line that registers the merge
   * driver, which each clone of the repository runs once.
   */
  driver?: string;
}

/** Options for {@linkcode SecretsEngine.setRemote}. */
export interface SetRemoteOptions {
  /** The vault's name in the remote's database; default `default`. */
  name?: string;
  /** The role's password, when the server asks for one. */
  password?: string;
}

function info(vault: OpenedVault, address: AnyAddress): RemoteInfo {
  const { vaultId } = readCopyRecord(vault.store);
  return {
    engine: address.engine,
    url: addressUrl(address),
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

/** Refuses, naming the flags, a process that may not reach `address`. */
export function checkReach(address: AnyAddress): void {
  if (address.engine === "git") checkFolder(address);
  else checkNet(address);
}

/**
 * The address of this copy's remote, checked for the permissions it
 * needs; none is a {@linkcode ValidationError}.
 */
export function remoteAddress(vault: OpenedVault): AnyAddress {
  const address = storedAddress(vault);
  if (address === null) {
    throw new ValidationError(
      "this copy has no remote: set one with setRemote (secrets remote set URL)",
    );
  }
  checkReach(address);
  return address;
}

/**
 * Opens `address` for `vault`: the PostgreSQL driver is loaded here, and
 * only for a server.
 */
export function openRemote(
  vault: OpenedVault,
  address: AnyAddress,
  password: string | undefined,
): Promise<Remote> {
  return openAddress(address, password, vault.dir);
}

/**
 * Opens `address` for the vault in `dir` (which a git folder's message
 * about its merge driver names).
 */
export async function openAddress(
  address: AnyAddress,
  password: string | undefined,
  dir: string,
): Promise<Remote> {
  if (address.engine === "git") {
    const { openGitFolder } = await import("../remote/git_folder.ts");
    return openGitFolder(address, driverLine(dir));
  }
  const { openPostgres } = await import("../remote/pg_remote.ts");
  return await openPostgres(address, password);
}

function storedAddress(vault: OpenedVault): AnyAddress | null {
  const stored = readRemoteFile(vault.dir, directoryOwner(vault.dir));
  if (stored === null) return null;
  const { url, name } = typeof stored === "object" ? { ...stored } : {
    url: undefined,
    name: undefined,
  };
  try {
    return parseAddress(url, name);
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
  const address = parseAddress(url, name);
  checkReach(address);
  const prepared = address.engine === "git"
    ? { access: "write" as const, driver: prepareGitFolder(vault.dir, address) }
    : { access: await prepareServer(address, password) };
  // A copy that may push takes later key epochs through a member key of
  // its own.
  if (prepared.access === "write") {
    await registerOwnMember(vault, "origin", copyId(vault));
  }
  return { ...recordRemote(vault, address), ...prepared };
}

async function prepareServer(
  address: RemoteAddress,
  password: string | undefined,
): Promise<"write" | "read"> {
  const { prepareRemote } = await import("../remote/postgres.ts");
  return await prepareRemote(address, password);
}

/** Records `address` as the remote of `vault`'s copy. */
export function recordRemote(
  vault: OpenedVault,
  address: AnyAddress,
): RemoteInfo {
  writeRemoteFile(vault.dir, { url: addressUrl(address), name: address.name });
  return info(vault, address);
}

/** Forgets this copy's remote; returns whether there was one. */
export function unsetRemote(vault: OpenedVault): boolean {
  return removeRemoteFile(vault.dir);
}
