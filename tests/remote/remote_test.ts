/**
 * Setting a vault's remote against a real PostgreSQL: the tables and the
 * head row are made, a writer and a reader are told apart, and a refused
 * login, a missing `--allow-net` or a malformed address records nothing
 * and never echoes a password.
 *
 * @module
 */

import { join } from "node:path";
import {
  assertEquals,
  assertFalse,
  assertMatch,
  assertRejects,
  thrownBy,
} from "../_assert.ts";
import { openEngine, tempDir } from "../_helpers.ts";
import { PG, pgTest } from "../_postgres.ts";
import { PermissionError, RemoteError, ValidationError } from "../../mod.ts";
import { parseRemoteAddress } from "../../src/remote/address.ts";
import { pgpassPassword } from "../../src/cli/options/pg_password.ts";

pgTest(
  "setRemote makes the remote's table and head row once, records the address without a password, and unsetRemote forgets it",
  async (db) => {
    await using dir = await tempDir();
    await using engine = await openEngine(dir.path);
    let fingerprint = "";
    for (let round = 0; round < 2; round++) {
      const set = await engine.setRemote(db.url, {
        name: "team",
        password: PG.password,
      });
      assertMatch(set.fingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/);
      fingerprint ||= set.fingerprint;
      assertEquals(set, {
        engine: "postgres",
        url: db.url,
        name: "team",
        fingerprint,
        access: "write",
      });
    }
    const heads = await db
      .sql`SELECT name, revision, epoch FROM secrets_vaults`;
    assertEquals(
      heads.map(({ name, revision, epoch }) => [name, revision, epoch]),
      [["team", "0", "0"]],
    );
    assertEquals(await engine.remote(), {
      engine: "postgres",
      url: db.url,
      name: "team",
      fingerprint,
    });
    const stored = await Deno.readTextFile(
      join(dir.path, "vault", "remote.json"),
    );
    assertFalse(stored.includes(PG.password), stored);
    const { mode } = await Deno.stat(join(dir.path, "vault", "remote.json"));
    assertEquals((mode ?? 0) & 0o777, 0o600);
    assertEquals(await engine.unsetRemote(), true);
    assertEquals(await engine.remote(), null);
    assertEquals(await engine.unsetRemote(), false);
  },
);

pgTest("a role that may only read is told it may only read", async (db) => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  await engine.setRemote(db.url, { password: PG.password });
  const reader = `reader_${db.name.slice(-8)}`;
  await db.sql.unsafe(
    `CREATE ROLE ${reader} LOGIN PASSWORD 'reader-pw'; GRANT SELECT ON secrets_vaults TO ${reader}`,
  );
  try {
    const url = db.url.replace(PG.user, reader);
    const set = await engine.setRemote(url, { password: "reader-pw" });
    assertEquals(set.access, "read");
  } finally {
    await db.sql.unsafe(`DROP OWNED BY ${reader}; DROP ROLE ${reader}`);
  }
});

pgTest(
  "a refused password is a RemoteError that names no password, and nothing is recorded",
  async (db) => {
    await using dir = await tempDir();
    await using engine = await openEngine(dir.path);
    const error = await assertRejects(
      () => engine.setRemote(db.url, { password: "not-the-password" }),
      RemoteError,
    );
    assertMatch(error.message, /refused the password/);
    assertEquals(error.remedy, { kind: "remote-password" });
    assertFalse(error.message.includes("not-the-password"));
    assertEquals(await engine.remote(), null);
  },
);

Deno.test("a remote out of --allow-net's reach is a PermissionError naming the flag, and nothing is recorded", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  const error = await assertRejects(
    () => engine.setRemote("postgres://ops@127.0.0.1:1/secrets"),
    PermissionError,
  );
  assertEquals(error.flag, "--allow-net=127.0.0.1:1");
  assertEquals(await engine.remote(), null);
});

Deno.test("remote addresses: a password, another scheme, a missing part or options are refused, without echoing the URL", () => {
  const refused: [string, RegExp][] = [
    ["postgres://ops:hunter2@db/secrets", /holds a password/],
    ["mysql://ops@db/secrets", /mysql: is not a remote/],
    ["postgres://db/secrets", /needs a user, a host and a database/],
    ["postgres://ops@db/", /needs a user, a host and a database/],
    ["postgres://ops@db/secrets?sslmode=disable", /no options/],
    ["not a url", /not a URL/],
  ];
  for (const [url, message] of refused) {
    const error = thrownBy(() => parseRemoteAddress(url), ValidationError);
    assertMatch(error.message, message);
    assertFalse(error.message.includes("hunter2"));
  }
  assertMatch(
    thrownBy(
      () => parseRemoteAddress("postgres://o@h/d", "Bad Name"),
      ValidationError,
    )
      .message,
    /remote vault name/,
  );
  assertEquals(parseRemoteAddress("postgresql://o%40x@[::1]/my%20db"), {
    engine: "postgres",
    host: "::1",
    port: 5432,
    database: "my db",
    user: "o@x",
    name: "default",
  });
});

Deno.test(".pgpass lines match as psql matches them: wildcards, escapes, the first match", () => {
  const target = { host: "db", port: 5432, database: "secrets", user: "ops" };
  const text = [
    "# comment",
    "other:5432:*:ops:wrong",
    "db:5432:secrets:ops:p\\:a\\\\ss",
    "*:*:*:*:later",
  ].join("\n");
  assertEquals(pgpassPassword(text, target), "p:a\\ss");
  assertEquals(pgpassPassword("*:*:*:*:any\n", target), "any");
  assertEquals(pgpassPassword("db:5433:*:*:x\n", target), undefined);
});

pgTest(
  "destroy removes remote.json with the vault's other files",
  async (db) => {
    await using dir = await tempDir();
    const engine = await openEngine(dir.path);
    await engine.setRemote(db.url, { password: PG.password });
    await engine.destroy();
    const gone = await Deno.stat(join(dir.path, "vault")).then(
      () => false,
      () => true,
    );
    assertEquals(gone, true);
  },
);
