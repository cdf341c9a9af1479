/**
 * The PostgreSQL remote: a connection through `npm:postgres` (pinned,
 * loaded only here, and only when a command talks to a remote), the
 * tables a remote needs, and what the role may do there. The server holds
 * what a copy of the vault's files would hold and no more: per vault a
 * head row, sealed rows (one per name) and member slots. A push is one
 * transaction that locks the head row (`SELECT … FOR UPDATE`), checks and
 * sets each name against the version the replica last saw, and advances
 * the head. Tables made by an earlier version gain what they lack.
 *
 * @module
 */

import process from "node:process";
import postgres from "postgres";
import { RemoteError } from "../errors.ts";
import type { RemoteAddress } from "./address.ts";

/** What the role may do with the vault on the remote. */
export type RemoteAccess = "write" | "read";

// The remote's tables. `secrets_vaults` as 0.4.0 made it had only name,
// revision and epoch: the ALTER gives such a table the head's columns.
const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS secrets_vaults (
    name text PRIMARY KEY,
    revision bigint NOT NULL DEFAULT 0,
    epoch bigint NOT NULL DEFAULT 0)`,
  `ALTER TABLE secrets_vaults
    ADD COLUMN IF NOT EXISTS vault_id bytea,
    ADD COLUMN IF NOT EXISTS key_check bytea,
    ADD COLUMN IF NOT EXISTS head bytea`,
  `CREATE TABLE IF NOT EXISTS secrets_rows (
    vault text NOT NULL REFERENCES secrets_vaults (name) ON DELETE CASCADE,
    name_hash text NOT NULL,
    version bigint NOT NULL,
    epoch bigint NOT NULL,
    revision bigint NOT NULL,
    sealed bytea NOT NULL,
    PRIMARY KEY (vault, name_hash))`,
  `CREATE INDEX IF NOT EXISTS secrets_rows_revision
    ON secrets_rows (vault, revision)`,
  `CREATE TABLE IF NOT EXISTS secrets_members (
    vault text NOT NULL REFERENCES secrets_vaults (name) ON DELETE CASCADE,
    epoch bigint NOT NULL,
    id text NOT NULL,
    slot text NOT NULL,
    PRIMARY KEY (vault, epoch, id))`,
  `CREATE TABLE IF NOT EXISTS secrets_epochs (
    vault text NOT NULL REFERENCES secrets_vaults (name) ON DELETE CASCADE,
    epoch bigint NOT NULL,
    header bytea NOT NULL,
    PRIMARY KEY (vault, epoch))`,
];

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
  CONNECTION_CLOSED: "the server closed the connection",
  CONNECTION_ENDED: "the connection to the server ended",
  CONNECTION_DESTROYED: "the connection to the server was lost",
  "57P01": "the server is shutting down",
};

// The codes that mean the server is not there: the vault works offline.
const UNREACHABLE: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "CONNECT_TIMEOUT",
  "EHOSTUNREACH",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "57P01",
]);

// The codes that mean the server wants a password: then the remedy is to
// give one.
const PASSWORD_WANTED: ReadonlySet<string> = new Set([
  "28P01",
  "MISSING_PASSWORD",
]);

/** The SQLSTATE or driver code of `error`; empty when it has none. */
export function errorCode(error: unknown): string {
  return typeof error === "object" && error !== null && "code" in error
    ? String(error.code)
    : "";
}

/** `error`, from the driver or the server, as a {@linkcode RemoteError}. */
export function remoteFailure(
  error: unknown,
  address: RemoteAddress,
): RemoteError {
  const code = errorCode(error);
  const what = FAILURES[code] ?? "the remote failed";
  return new RemoteError(
    `${what} (${address.user}@${address.host}:${address.port}/${address.database}${
      code === "" ? "" : `, ${code}`
    })`,
    {
      cause: error,
      ...(PASSWORD_WANTED.has(code)
        ? { remedy: { kind: "remote-password" } as const }
        : UNREACHABLE.has(code)
        ? { remedy: { kind: "remote-offline" } as const }
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
    await ensureSchema(sql);
    const writer = await mayWrite(sql);
    if (writer) {
      await sql`INSERT INTO secrets_vaults (name) VALUES (${address.name})
        ON CONFLICT (name) DO NOTHING`;
    }
    return writer ? "write" : "read";
  } catch (error) {
    throw remoteFailure(error, address);
  }
}

/** Whether the role may push: write the head, the rows, members, epochs. */
export async function mayWrite(sql: postgres.Sql): Promise<boolean> {
  const [{ writer }] = await sql<{ writer: boolean }[]>`
    SELECT has_table_privilege(current_user, 'secrets_vaults', 'UPDATE')
      AND has_table_privilege(current_user, 'secrets_rows', 'INSERT')
      AND has_table_privilege(current_user, 'secrets_rows', 'UPDATE')
      AND has_table_privilege(current_user, 'secrets_members', 'INSERT')
      AND has_table_privilege(current_user, 'secrets_epochs', 'INSERT')
      AS writer`;
  return writer;
}

// Serializes two processes making the tables at once (CREATE … IF NOT
// EXISTS races on the catalog): any fixed key, named once.
const SCHEMA_LOCK = 0x5ec2e75;

/**
 * Makes the tables this version needs where they are missing, or gives
 * those of an earlier version what they lack. A role that may not finds
 * them made, or fails with the privilege named.
 */
export async function ensureSchema(sql: postgres.Sql): Promise<void> {
  if (await hasSchema(sql)) return;
  await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${SCHEMA_LOCK})`;
    for (const statement of SCHEMA) await tx.unsafe(statement);
  });
}

/** Whether the tables of this version are all there. */
async function hasSchema(sql: postgres.Sql): Promise<boolean> {
  const [{ present }] = await sql<{ present: boolean }[]>`
    SELECT to_regclass('secrets_rows') IS NOT NULL
      AND to_regclass('secrets_members') IS NOT NULL
      AND to_regclass('secrets_epochs') IS NOT NULL
      AND EXISTS (SELECT 1 FROM information_schema.columns
        WHERE table_name = 'secrets_vaults' AND column_name = 'head')
      AS present`;
  return present;
}
