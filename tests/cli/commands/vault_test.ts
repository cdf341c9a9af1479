/**
 * `info`, `destroy` and `recover` through a real `deno run`, and the errors
 * a vault directory made by hand gives.
 *
 * @module
 */

import { join } from "node:path";
import { assert, assertEquals, assertFalse } from "../../_assert.ts";
import { canMount, canSpawn, rawSql, tempDir, tmpfs } from "../../_helpers.ts";
import { cli, cliTest } from "../_cli.ts";

// A vault directory made with plain mkdir was refused
// with no hint.
cliTest(
  "a vault directory made with mkdir (0755) names the chmod that fixes it",
  async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    await Deno.mkdir(vault, { mode: 0o755 });
    await Deno.chmod(vault, 0o755);
    const result = await cli(vault, ["set", "a"], { stdin: "1" });
    assertEquals(result.code, 1);
    assert(result.stderr.includes(`chmod 700 ${vault}`), result.stderr);
    await Deno.chmod(vault, 0o700);
    assertEquals((await cli(vault, ["set", "a"], { stdin: "1" })).code, 0);
  },
);

// A read-only store.db left a read-only store.db-shm
// behind, so the vault stayed broken after the fix.
cliTest(
  "a read-only store.db is explained, and leaves nothing behind to fix",
  async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    await cli(vault, ["set", "a"], { stdin: "1" });
    const database = join(vault, "store.db");
    await Deno.chmod(database, 0o400);
    const result = await cli(vault, ["get", "a"]);
    assertEquals(result.code, 1);
    assert(result.stderr.includes(`chmod 600 ${database}`), result.stderr);
    assertFalse(
      await Deno.stat(`${database}-shm`).then(() => true, () => false),
    );
    await Deno.chmod(database, 0o600);
    assertEquals((await cli(vault, ["get", "a"])).stdout, "1");
  },
);

// The recovery path, from the command line.
cliTest(
  "recover reports the damaged entry and exports the intact ones",
  async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    await cli(vault, ["import", "-"], { stdin: "GOOD=kept\nBAD=lost\n" });
    rawSql(dir.path, (db) => {
      const rows = db.prepare("SELECT name_hash, value FROM entries").all();
      db.prepare("UPDATE entries SET value = ? WHERE name_hash = ?").run(
        rows[1].value as Uint8Array,
        rows[0].name_hash as string,
      );
    });
    assertEquals((await cli(vault, ["get", "GOOD"])).code, 1);
    const result = await cli(vault, ["recover", "--format", "json"]);
    assertEquals(result.code, 0, result.stderr);
    assert(result.stderr.includes("damaged: "), result.stderr);
    assert(/unreadable: entry \S{8}/.test(result.stderr), result.stderr);
    assertEquals(JSON.parse(result.stdout).entries.length, 1);
    assertFalse(
      result.stderr.includes("kept") || result.stderr.includes("lost"),
    );
    const destroyed = await cli(vault, ["destroy", "--yes"]);
    assertEquals(destroyed.code, 0, destroyed.stderr);
  },
);

// `recover --format json` printed a map import could not
// read, and dropped bytes, expiry and history.
cliTest(
  "recover --format json prints a lossless document that import reads back",
  async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    await cli(vault, ["set", "db.password"], { stdin: "one" });
    await cli(vault, ["set", "db.password"], { stdin: "two" });
    await cli(vault, ["set", "tls.key", "--file", "-"], {
      stdin: new Uint8Array([0, 255]),
    });
    const printed = await cli(vault, ["recover", "--format", "json"]);
    assertEquals(printed.code, 0, printed.stderr);
    const doc = JSON.parse(printed.stdout);
    assertEquals(doc.version, 3);
    const copy = join(dir.path, "copy");
    const imported = await cli(copy, ["import", "-"], {
      stdin: printed.stdout,
    });
    assertEquals(imported.code, 0, imported.stderr);
    assertEquals(
      (await cli(copy, ["get", "db.password", "--version", "1"])).stdout,
      "one",
    );
    assertEquals((await cli(copy, ["get", "db.password"])).stdout, "two");
    const again = await cli(copy, ["import", "-"], { stdin: printed.stdout });
    assertEquals(again.code, 1);
    assert(/already holds/.test(again.stderr), again.stderr);
    const prefixed = await cli(copy, ["import", "-", "--prefix", "x."], {
      stdin: printed.stdout,
    });
    assertEquals(prefixed.code, 2, prefixed.stderr);
  },
);

// A vault whose keyfile was lost, with no other slot,
// could not be destroyed.
cliTest(
  "destroy --yes removes a vault that no longer unlocks, and only its own files",
  async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    await cli(vault, ["set", "a"], { stdin: "1" });
    await Deno.remove(join(vault, ".keyfile"));
    await Deno.writeTextFile(join(vault, "notes.txt"), "mine");
    assertEquals((await cli(vault, ["get", "a"])).code, 1);
    const result = await cli(vault, ["destroy", "--yes"]);
    assertEquals(result.code, 0, result.stderr);
    assert(/removed unread/.test(result.stderr), result.stderr);
    assertEquals([...Deno.readDirSync(vault)].map((e) => e.name), [
      "notes.txt",
    ]);
    const none = await cli(vault, ["destroy", "--yes"]);
    assertEquals(none.code, 1, none.stderr);
  },
);

// On a read-only vault directory even get failed with a
// raw OS error about an internal .owner.*.tmp file.
Deno.test({
  name:
    "get works on a read-only mount, and set says the vault cannot be written",
  ignore: !canSpawn || !canMount,
  fn: async () => {
    await using dir = await tempDir();
    const media = join(dir.path, "media");
    await using mount = await tmpfs(media);
    const vault = join(media, "vault");
    await cli(vault, ["set", "api.key"], { stdin: "sk-1" });
    await mount.readOnly();
    const read = await cli(vault, ["get", "api.key"]);
    assertEquals([read.code, read.stdout], [0, "sk-1"], read.stderr);
    const write = await cli(vault, ["set", "b"], { stdin: "2" });
    assertEquals(write.code, 1, write.stderr);
    assert(/cannot write/.test(write.stderr), write.stderr);
    assertFalse(/owner|\.tmp|os error/.test(write.stderr), write.stderr);
  },
});
