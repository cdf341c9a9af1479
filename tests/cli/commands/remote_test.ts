/**
 * `secrets remote` through a real `deno run` against a real PostgreSQL:
 * the password from `PGPASSWORD`, the one network flag it needs, and what
 * it prints.
 *
 * @module
 */

import { join } from "node:path";
import { assertEquals, assertFalse, assertMatch } from "../../_assert.ts";
import { runDeno, tempDir } from "../../_helpers.ts";
import { PG, PG_NET, pgTest } from "../../_postgres.ts";
import { atTerminal, cli, cliArgs } from "../_cli.ts";

const ENV_FLAGS = ["--allow-env=PGPASSWORD,PGPASSFILE,HOME"];

pgTest(
  "remote set takes the password from PGPASSWORD, needs only --allow-net=HOST:PORT, and remote shows and unset forgets it",
  async (db) => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    await cli(vault, ["init"]);
    const env = { PGPASSWORD: PG.password };
    const refused = await runDeno(
      cliArgs(vault, ["remote", "set", db.url], ENV_FLAGS),
      { env },
    );
    assertEquals(refused.code, 1);
    assertMatch(refused.stderr, /--allow-net=127\.0\.0\.1:5432/);
    const set = await runDeno(
      cliArgs(vault, ["remote", "set", db.url, "--name", "ops"], [
        ...ENV_FLAGS,
        PG_NET,
      ]),
      { env },
    );
    assertEquals(set.code, 0, set.stderr);
    assertMatch(set.stderr, /vault "ops"; this role may read and write it/);
    assertFalse(set.stderr.includes(PG.password));
    const shown = await cli(vault, ["remote"]);
    assertEquals(shown.code, 0);
    const [url, name, fingerprint] = shown.stdout.trim().split(" ");
    assertEquals([url, name], [db.url, "ops"]);
    assertMatch(fingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/);
    const withPassword = await cli(vault, [
      "remote",
      "set",
      db.url.replace(PG.user, `${PG.user}:${PG.password}`),
    ]);
    assertEquals(withPassword.code, 1);
    assertMatch(withPassword.stderr, /holds a password/);
    assertFalse(withPassword.stderr.includes(PG.password));
    assertEquals((await cli(vault, ["remote", "unset"])).code, 0);
    const none = await cli(vault, ["remote"]);
    assertEquals(none.code, 1);
    assertMatch(none.stderr, /no remote/);
  },
);

pgTest(
  "remote set asks for the password at a terminal when the server wants one, and off one says where to put it",
  async (db) => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    await cli(vault, ["init"]);
    const flags = [...ENV_FLAGS, PG_NET];
    // An empty HOME: no ~/.pgpass of this machine's user is read.
    const env = { HOME: dir.path };
    const off = await runDeno(
      cliArgs(vault, ["remote", "set", db.url], flags),
      {
        env,
      },
    );
    assertEquals(off.code, 1);
    assertMatch(off.stderr, /set PGPASSWORD or a ~\/\.pgpass line/);
    const pgpass = join(dir.path, ".pgpass");
    await Deno.writeTextFile(pgpass, `*:*:*:${PG.user}:${PG.password}\n`, {
      mode: 0o600,
    });
    const fromFile = await runDeno(
      cliArgs(vault, ["remote", "set", db.url], [
        ...flags,
        `--allow-read=${pgpass}`,
      ]),
      { env },
    );
    assertEquals(fromFile.code, 0, fromFile.stderr);
    await Deno.remove(pgpass);
    const typed = await atTerminal(
      [{ expect: "Password for the remote:" }, { send: `${PG.password}\r` }],
      [
        "env",
        `HOME=${dir.path}`,
        "deno",
        ...cliArgs(vault, ["remote", "set", db.url], flags),
      ],
    );
    assertEquals(typed.code, 0, typed.output);
    assertMatch(typed.output, /this role may read and write it/);
    assertFalse(typed.output.includes(PG.password));
  },
);
