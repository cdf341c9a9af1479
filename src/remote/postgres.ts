/**
 * The PostgreSQL remote: a connection through `npm:postgres` (pinned,
 * loaded only here, and only when a command talks to a remote), the
 * tables a remote needs, and what the role may do there. The server holds
 * what a copy of the vault's files would hold and no more; so far,
 * `remote set` makes its tables and the vault's head row.
 *
 * @module
 */

import process from "node:process";
import postgres from "postgres";
import { RemoteError } from "../errors.ts";
import type { RemoteAddress } from "./address.ts";

/** What the role may do with the vault on the remote. */
export type RemoteAccess = "write" | "read";

// The vaults a database holds, one head row each: the revision and key
// epoch sync will move.
const VAULTS_TABLE = `CREATE TABLE IF NOT EXISTS secrets_vaults (
  name text PRIMARY KEY,
  revision bigint NOT NULL DEFAULT 0,
  epoch bigint NOT NULL DEFAULT 0
)`;

const CONNECT_TIMEOUT_S = 10;

// PostgreSQL's SQLSTATE codes and the driver's own, in the words of a
// user who set the remote: what to check.
const FAILURES: Record<string, string> = {
  "28P01": "the server refused the password",
  MISSING_PASSWORD: "the server asks for a password, and none was given",
  "28000": "the server refused the login",
  "3D000": "the database does not exist",
  "42501": "the role lacks a privilege the remote needs",
  ECONNREFUSED: "the server is unreachable (connection refused)",
  ENOTFOUND: "the server's host name does not resolve",
  CONNECT_TIMEOUT: "the server did not answer in time",
  EHOSTUNREACH: "the server is unreachable",
};

// The codes that mean the server wants a password: then the remedy is to
// give one.
const PASSWORD_WANTED: ReadonlySet<string> = new Set([
  "28P01",
  "MISSING_PASSWORD",
]);

/** `error`, from the driver or the server, as a {@linkcode RemoteError}. */
export function remoteFailure(
  error: unknown,
  address: RemoteAddress,
): RemoteError {
  const code = typeof error === "object" && error !== null && "code" in error
    ? String(error.code)
    : "";
  const what = FAILURES[code] ?? "the remote failed";
  return new RemoteError(
    `${what} (${address.user}@${address.host}:${address.port}/${address.database}${
      code === "" ? "" : `, ${code}`
    })`,
    {
      cause: error,
      ...(PASSWORD_WANTED.has(code)
        ? { remedy: { kind: "remote-password" } as const }
        : {}),
    },
  );
}

/** A connection to the remote, closed when disposed. */
export interface RemoteConnection extends AsyncDisposable {
  /** The driver's tagged-template query function. */
  sql: postgres.Sql;
}

/**
 * Runs `make` with `process.env` empty. The driver fills what it is not
 * given from libpq's variables (`PGAPPNAME`, `PGSSL`, `PGPASSWORD`…),
 * which under Deno would need `--allow-env` for each and would let the
 * environment steer a connection the caller described whole. `make` is
 * synchronous, so nothing else runs meanwhile.
 */
export function withoutEnvironment<T>(make: () => T): T {
  const env = Object.getOwnPropertyDescriptor(process, "env");
  if (env === undefined) return make();
  Object.defineProperty(process, "env", { value: {}, configurable: true });
  try {
    return make();
  } finally {
    Object.defineProperty(process, "env", env);
  }
}

/** Connects to the remote as `address.user` with `password`. */
export function connectRemote(
  address: RemoteAddress,
  password: string | undefined,
): RemoteConnection {
  const sql = withoutEnvironment(() =>
    postgres({
      host: address.host,
      port: address.port,
      database: address.database,
      username: address.user,
      password,
      max: 1,
      connect_timeout: CONNECT_TIMEOUT_S,
      onnotice: () => {},
    })
  );
  return {
    sql,
    [Symbol.asyncDispose]: () => sql.end({ timeout: 1 }),
  };
}

/**
 * Makes the remote's tables and the vault's head row where they are
 * missing (a role that may not create them finds them made, or fails), and
 * says whether the role may write the vault or only read it.
 */
export async function prepareRemote(
  address: RemoteAddress,
  password: string | undefined,
): Promise<RemoteAccess> {
  await using connection = connectRemote(address, password);
  const { sql } = connection;
  try {
    const [{ exists }] = await sql<{ exists: boolean }[]>`
      SELECT to_regclass('secrets_vaults') IS NOT NULL AS exists`;
    if (!exists) await sql.unsafe(VAULTS_TABLE);
    const [{ writer }] = await sql<{ writer: boolean }[]>`
      SELECT has_table_privilege(current_user, 'secrets_vaults', 'INSERT')
        AND has_table_privilege(current_user, 'secrets_vaults', 'UPDATE')
        AS writer`;
    if (writer) {
      await sql`INSERT INTO secrets_vaults (name) VALUES (${address.name})
        ON CONFLICT (name) DO NOTHING`;
    }
    return writer ? "write" : "read";
  } catch (error) {
    throw remoteFailure(error, address);
  }
}
