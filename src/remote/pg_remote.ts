/**
 * The {@linkcode Remote} of one vault on PostgreSQL. A push is one
 * transaction: the head row locked with `SELECT … FOR UPDATE`, every row
 * checked and set against its base version (`UPDATE … WHERE version =
 * base`, `INSERT … ON CONFLICT DO NOTHING`), the head advanced; any row
 * not where the replica left it rolls the whole push back.
 *
 * @module
 */

import type postgres from "postgres";
import { decodeBase64, encodeBase64 } from "../base64.ts";
import { RemoteError } from "../errors.ts";
import type { RemoteAddress } from "./address.ts";
import {
  connectRemote,
  ensureSchema,
  errorCode,
  mayWrite,
  remoteFailure,
} from "./postgres.ts";
import type {
  PushedRow,
  Remote,
  RemoteHead,
  RemoteMember,
  RemoteRow,
} from "./remote.ts";

// Rows per statement: six parameters each, under PostgreSQL's 65,535.
const CHUNK = 1000;

// The privileges a push needs, named when the server refuses one.
const PUSH_PRIVILEGES =
  "UPDATE on secrets_vaults, INSERT and UPDATE on secrets_rows, INSERT on secrets_members and secrets_epochs";

const INSUFFICIENT_PRIVILEGE = "42501";

/** The channel pushes notify, with `VAULT:REVISION`. */
export const NOTIFY_CHANNEL = "secrets_sync";

/** Thrown inside a push's transaction to roll it back as "moved". */
class Moved extends Error {}

function bytes(value: unknown): Uint8Array | null {
  return value instanceof Uint8Array ? new Uint8Array(value) : null;
}

function memberJson({ slot, mac }: RemoteMember): string {
  return JSON.stringify({
    ...slot,
    salt: encodeBase64(slot.salt),
    wrapped: encodeBase64(slot.wrapped),
    mac: encodeBase64(mac),
  });
}

function memberOf(text: string): RemoteMember {
  const json = JSON.parse(text);
  const bytes = (value: unknown): Uint8Array =>
    decodeBase64(String(value), "a member slot");
  return {
    slot: {
      id: String(json.id),
      kind: String(json.kind),
      label: String(json.label),
      created: Number(json.created),
      kdf: String(json.kdf),
      salt: bytes(json.salt),
      factors: String(json.factors),
      wrapped: bytes(json.wrapped),
    },
    mac: bytes(json.mac),
  };
}

async function insertRows(
  tx: postgres.TransactionSql,
  vault: string,
  rows: readonly PushedRow[],
): Promise<void> {
  for (let at = 0; at < rows.length; at += CHUNK) {
    const chunk = rows.slice(at, at + CHUNK).map((row) => ({
      vault,
      name_hash: row.hash,
      version: row.version,
      epoch: row.epoch,
      revision: row.revision,
      sealed: row.sealed,
    }));
    const written = await tx`INSERT INTO secrets_rows ${tx(chunk)}
      ON CONFLICT DO NOTHING RETURNING name_hash`;
    if (written.length !== chunk.length) throw new Moved();
  }
}

async function updateRows(
  tx: postgres.TransactionSql,
  vault: string,
  rows: readonly PushedRow[],
): Promise<void> {
  for (let at = 0; at < rows.length; at += CHUNK) {
    const chunk = rows.slice(at, at + CHUNK).map((row) => [
      row.hash,
      row.base,
      row.version,
      row.epoch,
      row.revision,
      // The VALUES helper carries text and numbers; bytes go as base64.
      encodeBase64(row.sealed),
    ]);
    const values = tx(chunk);
    const written = await tx`UPDATE secrets_rows AS r SET
        version = u.version::bigint, epoch = u.epoch::bigint,
        revision = u.revision::bigint, sealed = decode(u.sealed, 'base64')
      FROM (VALUES ${values}) AS u (name_hash, base, version, epoch, revision, sealed)
      WHERE r.vault = ${vault} AND r.name_hash = u.name_hash
        AND r.version = u.base::bigint
      RETURNING r.name_hash`;
    if (written.length !== chunk.length) throw new Moved();
  }
}

async function readHead(
  sql: postgres.Sql | postgres.TransactionSql,
  vault: string,
): Promise<RemoteHead> {
  const [row] = await sql`SELECT revision::float8 AS revision,
    epoch::float8 AS epoch, vault_id, key_check, head
    FROM secrets_vaults WHERE name = ${vault}`;
  if (row === undefined) {
    throw new RemoteError(
      `the remote holds no vault named ${
        JSON.stringify(vault)
      }: set it with secrets remote set, by a role that may write`,
    );
  }
  return {
    revision: Number(row.revision),
    epoch: Number(row.epoch),
    vaultId: bytes(row.vault_id),
    keyCheck: bytes(row.key_check),
    record: bytes(row.head),
  };
}

/** Opens the vault `address.name` on its server as a {@linkcode Remote}. */
export async function openPostgres(
  address: RemoteAddress,
  password: string | undefined,
): Promise<Remote> {
  const connection = connectRemote(address, password);
  const { sql } = connection;
  const vault = address.name;
  const failing = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      if (error instanceof Moved || error instanceof RemoteError) throw error;
      const failure = remoteFailure(error, address);
      if (errorCode(error) === INSUFFICIENT_PRIVILEGE) {
        throw new RemoteError(
          `${failure.message}: a push needs ${PUSH_PRIVILEGES}`,
          { cause: error },
        );
      }
      throw failure;
    }
  };
  await failing(async () => {
    await ensureSchema(sql);
    await readHead(sql, vault);
  }).catch(async (error) => {
    await connection[Symbol.asyncDispose]();
    throw error;
  });
  return {
    ordered: true,
    head: () => failing(() => readHead(sql, vault)),
    writable: () => failing(() => mayWrite(sql)),
    listen: (hint) =>
      failing(async () => {
        const { unlisten } = await sql.listen(
          NOTIFY_CHANNEL,
          (payload) => {
            if (payload.startsWith(`${vault}:`)) hint();
          },
          hint,
        );
        return unlisten;
      }),
    snapshot: (revision) =>
      failing(() =>
        sql.begin("ISOLATION LEVEL REPEATABLE READ READ ONLY", async (tx) => {
          const head = await readHead(tx, vault);
          const rows = await tx`SELECT name_hash, version::float8 AS version,
            epoch::float8 AS epoch, revision::float8 AS revision, sealed
            FROM secrets_rows WHERE vault = ${vault} AND revision > ${revision}
            ORDER BY name_hash`;
          return {
            head,
            rows: rows.map((row): RemoteRow => ({
              hash: String(row.name_hash),
              version: Number(row.version),
              epoch: Number(row.epoch),
              revision: Number(row.revision),
              sealed: bytes(row.sealed) ?? new Uint8Array(),
            })),
          };
        })
      ),
    members: (epoch) =>
      failing(async () => {
        const rows = await sql`SELECT slot FROM secrets_members
          WHERE vault = ${vault} AND epoch = ${epoch} ORDER BY id`;
        return rows.map((row) => memberOf(String(row.slot)));
      }),
    epochs: (after) =>
      failing(async () => {
        const rows = await sql`SELECT epoch::float8 AS epoch, header
          FROM secrets_epochs WHERE vault = ${vault} AND epoch > ${after}
          ORDER BY epoch`;
        return rows.map((row) => ({
          epoch: Number(row.epoch),
          header: bytes(row.header) ?? new Uint8Array(),
        }));
      }),
    push: (push) =>
      failing(async () => {
        try {
          await sql.begin(async (tx) => {
            const [head] = await tx`SELECT revision::float8 AS revision
              FROM secrets_vaults WHERE name = ${vault} FOR UPDATE`;
            if (Number(head.revision) !== push.expect) throw new Moved();
            await insertRows(
              tx,
              vault,
              push.rows.filter((row) => row.base === 0),
            );
            await updateRows(
              tx,
              vault,
              push.rows.filter((row) => row.base !== 0),
            );
            const epoch = push.head.epoch;
            if (push.epoch !== undefined) {
              const made = await tx`INSERT INTO secrets_epochs
                (vault, epoch, header) VALUES (${vault}, ${push.epoch.epoch},
                ${push.epoch.header}) ON CONFLICT DO NOTHING RETURNING epoch`;
              if (made.length !== 1) throw new Moved();
            }
            for (const member of push.members) {
              await tx`INSERT INTO secrets_members (vault, epoch, id, slot)
                VALUES (${vault}, ${epoch}, ${member.slot.id},
                ${memberJson(member)})
                ON CONFLICT DO NOTHING`;
            }
            const next = push.head;
            // A hint for watchers, sent when the push commits: the vault
            // and its revision, never data.
            await tx`SELECT pg_notify(${NOTIFY_CHANNEL},
              ${`${vault}:${next.revision}`})`;
            await tx`UPDATE secrets_vaults SET revision = ${next.revision},
              epoch = ${next.epoch}, vault_id = ${next.vaultId},
              key_check = ${next.keyCheck}, head = ${next.record}
              WHERE name = ${vault}`;
          });
          return "done" as const;
        } catch (error) {
          if (error instanceof Moved) return "moved" as const;
          throw error;
        }
      }),
    [Symbol.asyncDispose]: () => connection[Symbol.asyncDispose](),
  };
}
