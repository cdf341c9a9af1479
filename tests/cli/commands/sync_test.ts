/**
 * `secrets sync`, `push`, `pull`, `clone` and `resolve` through a real
 * `deno run`, as a team meets them: two copies, the password from
 * `PGPASSWORD`, the fingerprint printed and pinned, a conflict that exits
 * 4 until resolved, a server that does not answer exiting 5, and the one
 * network flag each needs.
 *
 * @module
 */

import { join } from "node:path";
import { assertEquals, assertFalse, assertMatch } from "../../_assert.ts";
import { type ChildResult, runDeno, tempDir } from "../../_helpers.ts";
import { ageKey } from "../../_keys.ts";
import { PG, PG_NET, pgTest } from "../../_postgres.ts";
import { atTerminal, cli, cliArgs } from "../_cli.ts";
import { SecretsEngine } from "../../../mod.ts";

const ENV = { PGPASSWORD: PG.password };
const ENV_FLAGS = "--allow-env=PGPASSWORD,PGPASSFILE,HOME";

/** `secrets --path vault ...args` with the network flag and the password. */
function online(
  vault: string,
  args: string[],
  flags: string[] = [],
): Promise<ChildResult> {
  return runDeno(cliArgs(vault, args, [ENV_FLAGS, PG_NET, ...flags]), {
    env: ENV,
  });
}

pgTest(
  "a team syncs through the CLI: clone prints the fingerprint, a conflict exits 4 until resolve, and status lists it",
  async (db) => {
    await using dir = await tempDir();
    const alice = join(dir.path, "alice");
    const bob = join(dir.path, "bob");
    const key = await ageKey(dir.path, "bob.key");
    await cli(alice, ["set", "db.password"], { stdin: "one" });
    const added = await cli(alice, [
      "members",
      "add",
      key.recipient,
      "--label",
      "bob",
      "--yes",
    ]);
    assertEquals(added.code, 0, added.stderr);
    assertEquals(
      (await online(alice, ["remote", "set", db.url, "--name", "team"])).code,
      0,
    );
    const pushed = await online(alice, ["push"]);
    assertEquals(pushed.code, 0, pushed.stderr);
    assertMatch(pushed.stderr, /pushed 1 name; the remote is at revision 1/);
    const shown = await cli(alice, ["remote"]);
    const fingerprint = shown.stdout.trim().split(" ")[2];

    const cloned = await online(bob, [
      "clone",
      db.url,
      "--name",
      "team",
      "--identity",
      key.path,
      "--fingerprint",
      fingerprint,
    ], [`--allow-read=${bob},${key.path}`]);
    assertEquals(cloned.code, 0, cloned.stderr);
    assertEquals(cloned.stdout, `${fingerprint}\n`);
    assertMatch(cloned.stderr, /cloned 1 secret into/);
    assertEquals((await cli(bob, ["get", "db.password"])).stdout, "one");

    await cli(alice, ["set", "db.password"], { stdin: "alice" });
    await cli(bob, ["set", "db.password"], { stdin: "bob" });
    assertEquals((await online(alice, ["sync"])).code, 0);
    const conflicted = await online(bob, ["sync"]);
    assertEquals(conflicted.code, 4, conflicted.stderr);
    assertMatch(
      conflicted.stderr,
      /conflict on db\.password: .*secrets resolve NAME/,
    );
    assertFalse(
      conflicted.stderr.includes("alice") || conflicted.stdout.includes("bob"),
    );
    const status = await cli(bob, ["status"]);
    assertEquals(status.code, 1);
    assertMatch(status.stdout, /db\.password\s+conflict: secrets resolve NAME/);
    const listed = await cli(bob, ["resolve"]);
    assertEquals(listed.code, 4);
    assertMatch(
      listed.stdout,
      /^db\.password\n {2}1: written by this copy, \S+\n$/,
    );
    assertFalse(listed.stdout.includes("bob\n"));
    assertMatch((await cli(bob, ["resolve", "--show"])).stdout, / bob\n$/);
    assertEquals(
      (await cli(bob, ["resolve", "db.password", "--keep", "9"])).code,
      1,
    );
    assertEquals(
      (await cli(bob, ["resolve", "db.password", "--keep", "both"])).code,
      2,
    );
    assertEquals(
      (await cli(bob, ["resolve", "db.password", "--keep", "local"])).code,
      0,
    );
    assertEquals((await online(bob, ["sync"])).code, 0);
    const settled = await online(alice, ["pull"]);
    assertEquals(settled.code, 0, settled.stderr);
    assertEquals((await cli(alice, ["get", "db.password"])).stdout, "bob");
    assertEquals((await cli(alice, ["status"])).code, 0);
  },
);

pgTest(
  "sync without --allow-net names the flag, and a server that does not answer exits 5 leaving the vault working",
  async (db) => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    await cli(vault, ["set", "a"], { stdin: "1" });
    assertEquals((await online(vault, ["remote", "set", db.url])).code, 0);
    const refused = await runDeno(cliArgs(vault, ["sync"], [ENV_FLAGS]), {
      env: ENV,
    });
    assertEquals(refused.code, 1);
    assertMatch(refused.stderr, /--allow-net=127\.0\.0\.1:5432/);
    // The remote moves to a port nothing listens on.
    const file = join(vault, "remote.json");
    const stored = JSON.parse(await Deno.readTextFile(file));
    stored.url = stored.url.replace(":5432/", ":9/");
    await Deno.writeTextFile(file, JSON.stringify(stored), { mode: 0o600 });
    const down = await runDeno(
      cliArgs(vault, ["sync"], [ENV_FLAGS, "--allow-net=127.0.0.1:9"]),
      { env: ENV },
    );
    assertEquals(down.code, 5, down.stderr);
    assertMatch(down.stderr, /unreachable.*sync again once it answers/);
    assertFalse(down.stderr.includes(PG.password));
    assertEquals((await cli(vault, ["get", "a"])).stdout, "1");
    assertEquals((await cli(vault, ["set", "b"], { stdin: "2" })).code, 0);
  },
);

pgTest(
  "a copy with a remote reads with no network flag and without loading the driver (deno run --no-npm)",
  async (db) => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    await cli(vault, ["set", "a"], { stdin: "1" });
    assertEquals((await online(vault, ["remote", "set", db.url])).code, 0);
    assertEquals((await online(vault, ["sync"])).code, 0);
    const read = await runDeno([
      "run",
      "--no-npm",
      ...cliArgs(vault, ["get", "a"]).slice(1),
    ]);
    assertEquals([read.code, read.stdout], [0, "1"], read.stderr);
    const synced = await runDeno([
      "run",
      "--no-npm",
      ...cliArgs(vault, ["sync"], [ENV_FLAGS, PG_NET]).slice(1),
    ], { env: ENV });
    assertEquals(
      synced.code,
      1,
      "sync loads the driver, which --no-npm refuses",
    );
  },
);

pgTest("push, pull and sync without a remote say how to set one", async () => {
  await using dir = await tempDir();
  const vault = join(dir.path, "vault");
  await cli(vault, ["set", "a"], { stdin: "1" });
  for (const command of ["push", "pull", "sync"]) {
    const result = await cli(vault, [command]);
    assertEquals(result.code, 1);
    assertMatch(result.stderr, /no remote: secrets remote set/);
  }
});

pgTest(
  "at a terminal, sync and clone of many names show progress, and ask the password the server wants",
  async (db) => {
    await using dir = await tempDir();
    const alice = join(dir.path, "alice");
    const bob = join(dir.path, "bob");
    const key = await ageKey(dir.path, "bob.key");
    const count = 15_000;
    {
      await using engine = await SecretsEngine.open({ path: alice });
      await engine.setMany(
        Object.fromEntries(
          Array.from({ length: count }, (_, i) => [`name.${i}`, `v-${i}`]),
        ),
      );
      await engine.addMember(key.recipient, { label: "bob" });
      await engine.setRemote(db.url, { password: PG.password });
    }
    const password = [{ expect: "Password for the remote: " }, {
      send: `${PG.password}\n`,
    }];
    const pushed = await atTerminal(password, [
      "deno",
      ...cliArgs(alice, ["sync"], [ENV_FLAGS, PG_NET]),
    ]);
    assertEquals(pushed.code, 0, pushed.output);
    assertMatch(pushed.output, new RegExp(`sync: \\d+ of ${count} names`));
    const cloned = await atTerminal(password, [
      "deno",
      ...cliArgs(bob, ["clone", db.url, "--identity", key.path], [
        ENV_FLAGS,
        PG_NET,
        `--allow-read=${bob},${key.path}`,
      ]),
    ]);
    assertEquals(cloned.code, 0, cloned.output);
    assertMatch(cloned.output, new RegExp(`clone: \\d+ of ${count} names`));
    // The typed password is not echoed.
    assertFalse(cloned.output.includes(`: ${PG.password}`));
  },
);
