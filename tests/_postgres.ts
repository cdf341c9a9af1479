/**
 * The real PostgreSQL the remote tests run against: the server `.ci/run`
 * starts (Debian's postgresql-15), a login role for the tests, and a fresh
 * database for each test, dropped after it. Where the server cannot be
 * reached, the tests that need it are skipped with a reason, except under
 * CI (`CI=true`), where they run and fail.
 *
 * @module
 */

import postgres from "postgres";
import { withoutEnvironment } from "../src/remote/postgres.ts";

/** The test role and server, as `.ci/run` makes them. */
export const PG = {
  host: "127.0.0.1",
  port: 5432,
  user: "secrets_test",
  password: "secrets-test",
} as const;

/** The `--allow-net` flag that reaches the test server. */
export const PG_NET = `--allow-net=${PG.host}:${PG.port}`;

function admin(database = "postgres"): postgres.Sql {
  return withoutEnvironment(() =>
    postgres({
      host: PG.host,
      port: PG.port,
      username: PG.user,
      password: PG.password,
      database,
      max: 1,
      connect_timeout: 5,
      onnotice: () => {},
    })
  );
}

async function reachable(): Promise<boolean> {
  const net = Deno.permissions.querySync({
    name: "net",
    host: `${PG.host}:${PG.port}`,
  });
  if (net.state !== "granted") return false;
  const sql = admin();
  try {
    await sql`SELECT 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

const inCi = Deno.permissions.querySync({ name: "env", variable: "CI" })
      .state === "granted" && Deno.env.get("CI") === "true";

/** Whether the remote tests run: the server answers, or this is CI. */
export const pgTests: boolean = inCi || await reachable();

if (!pgTests) {
  console.log(
    "remote tests: skipped: no PostgreSQL at 127.0.0.1:5432 for role secrets_test (.ci/run starts one; CI never skips them)",
  );
}

/** A database made for one test, dropped when disposed. */
export interface TestDatabase extends AsyncDisposable {
  /** Its name. */
  name: string;
  /** Its URL for the test role, without a password. */
  url: string;
  /** A connection to it as the test role (a superuser). */
  sql: postgres.Sql;
  /** Another connection to it, closed when disposed: to hold a lock. */
  connect(): postgres.Sql & AsyncDisposable;
}

/** Drops the database `name` where it exists (a page's own, between runs). */
export async function dropDatabase(name: string): Promise<void> {
  const root = admin();
  try {
    await root.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await root.end({ timeout: 1 });
  }
}

/** Makes a fresh database for one test. */
export async function freshDatabase(): Promise<TestDatabase> {
  const name = `secrets_test_${crypto.randomUUID().replaceAll("-", "")}`;
  const root = admin();
  try {
    await root.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await root.end({ timeout: 1 });
  }
  const sql = admin(name);
  return {
    name,
    url: `postgres://${PG.user}@${PG.host}:${PG.port}/${name}`,
    sql,
    connect: () => {
      const other = admin(name);
      return Object.assign(other, {
        [Symbol.asyncDispose]: () => other.end({ timeout: 1 }),
      });
    },
    async [Symbol.asyncDispose](): Promise<void> {
      await sql.end({ timeout: 1 });
      const drop = admin();
      try {
        await drop.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await drop.end({ timeout: 1 });
      }
    },
  };
}

/** Runs `fn` as a test against a fresh database, where PostgreSQL runs. */
export function pgTest(
  name: string,
  fn: (db: TestDatabase) => Promise<void>,
): void {
  Deno.test({
    name,
    ignore: !pgTests,
    fn: async () => {
      await using db = await freshDatabase();
      await fn(db);
    },
  });
}
