/**
 * Where a remote is: a PostgreSQL URL, `postgres://USER@HOST:PORT/DB`,
 * and the name the vault has there (one database holds many vaults); or a
 * folder in a git working tree, `git:DIR`. A URL holding a password is
 * refused: the address is stored beside the vault, and a password there
 * would be stored with it. The password comes from `PGPASSWORD`,
 * `~/.pgpass` or a prompt, as `psql` takes it.
 *
 * @module
 */

import { resolve } from "node:path";
import { ValidationError } from "../errors.ts";

/** A folder in a git working tree that holds one vault's sealed files. */
export interface GitAddress {
  /** Always `git`. */
  engine: "git";
  /** The folder, absolute. */
  dir: string;
  /** Always the default name: a folder holds one vault. */
  name: string;
}

/** The scheme of a git folder remote. */
export const GIT_SCHEME = "git:";

/** A PostgreSQL remote's address, with no password. */
export interface RemoteAddress {
  /** Always `postgres`. */
  engine: "postgres";
  /** The server's host name or address. */
  host: string;
  /** Its port. */
  port: number;
  /** The database. */
  database: string;
  /** The role to log in as. */
  user: string;
  /** The vault's name in that database. */
  name: string;
}

/** The name a vault has in its remote unless `--name` says. */
export const DEFAULT_REMOTE_NAME = "default";

const DEFAULT_PORT = 5432;
const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const SCHEMES = ["postgres:", "postgresql:"];

function refuse(why: string): ValidationError {
  return new ValidationError(
    `${why}: a remote is postgres://USER@HOST:PORT/DATABASE`,
  );
}

/** Checks a vault's name in its remote: 1 to 64 of `a-z 0-9 . _ -`. */
export function checkRemoteName(name: unknown): string {
  if (typeof name !== "string" || !NAME.test(name)) {
    throw new ValidationError(
      "a remote vault name is 1 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit",
    );
  }
  return name;
}

/**
 * Reads a remote URL. A password in it, another scheme, a missing user,
 * host or database, or query options are a {@linkcode ValidationError};
 * the message never repeats the URL, which may hold a password.
 *
 * @example Read a remote's address
 * ```ts
 * import { parseRemoteAddress } from "./address.ts";
 * import assert from "node:assert/strict";
 * const address = parseRemoteAddress("postgres://ops@db.internal:5433/secrets");
 * assert.equal(address.port, 5433);
 * assert.equal(address.name, "default");
 * ```
 */
export function parseRemoteAddress(
  text: unknown,
  name: unknown = DEFAULT_REMOTE_NAME,
): RemoteAddress {
  if (typeof text !== "string") throw refuse("the remote is not a URL");
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw refuse("the remote is not a URL");
  }
  if (!SCHEMES.includes(url.protocol)) {
    throw refuse(`${url.protocol.slice(0, 20)} is not a remote this reads`);
  }
  if (url.password !== "") {
    throw new ValidationError(
      "the remote's URL holds a password, which would be stored with it: give it in PGPASSWORD or ~/.pgpass, or at the prompt",
    );
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
  const user = decodeURIComponent(url.username);
  if (user === "" || url.hostname === "" || database === "") {
    throw refuse("the remote needs a user, a host and a database");
  }
  if (database.includes("/") || url.search !== "" || url.hash !== "") {
    throw refuse(
      "the remote takes no path beyond the database, and no options",
    );
  }
  return {
    engine: "postgres",
    host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: url.port === "" ? DEFAULT_PORT : Number(url.port),
    database,
    user,
    name: checkRemoteName(name),
  };
}

/** The address as a URL, without a password: what is shown and stored. */
export function remoteUrl(address: RemoteAddress): string {
  const host = address.host.includes(":") ? `[${address.host}]` : address.host;
  return `postgres://${
    encodeURIComponent(address.user)
  }@${host}:${address.port}/${encodeURIComponent(address.database)}`;
}

/** A remote of either engine. */
export type AnyAddress = RemoteAddress | GitAddress;

/**
 * Reads a remote: `git:DIR` (a folder, made absolute against the working
 * directory; a name other than the default is refused: a folder holds one
 * vault), or a PostgreSQL URL as {@linkcode parseRemoteAddress} reads it.
 *
 * @example Read a git folder remote
 * ```ts
 * import { parseAddress } from "./address.ts";
 * import assert from "node:assert/strict";
 * const address = parseAddress("git:/repo/.secrets");
 * assert.deepEqual(address, { engine: "git", dir: "/repo/.secrets", name: "default" });
 * ```
 */
export function parseAddress(
  text: unknown,
  name: unknown = DEFAULT_REMOTE_NAME,
): AnyAddress {
  if (typeof text !== "string" || !text.startsWith(GIT_SCHEME)) {
    return parseRemoteAddress(text, name);
  }
  const dir = text.slice(GIT_SCHEME.length);
  if (dir === "" || dir.includes("\0")) {
    throw new ValidationError(
      "a git remote is git:DIR, a folder of a git working tree",
    );
  }
  if (name !== DEFAULT_REMOTE_NAME) {
    throw new ValidationError(
      "a git folder holds one vault: it takes no --name",
    );
  }
  return { engine: "git", dir: resolve(dir), name: DEFAULT_REMOTE_NAME };
}

/** The address as it is shown and stored. */
export function addressUrl(address: AnyAddress): string {
  return address.engine === "git"
    ? `${GIT_SCHEME}${address.dir}`
    : remoteUrl(address);
}
