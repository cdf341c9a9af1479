/**
 * A million small secrets through every bulk path a user has: `setMany`, `import` of a dotenv file and of a JSON export, and
 * `restore` of an age backup. `setMany` of 200,000 entries failed in 0.3
 * (`Math.max(0, ...array)` overflowed the call's arguments). Slow: run by
 * `deno task test:slow`, which `.ci/run` runs.
 *
 * @module
 */

import { join } from "node:path";
import { assert, assertEquals } from "../_assert.ts";
import { openEngine, tempDir } from "../_helpers.ts";
import { cli } from "../cli/_cli.ts";

const COUNT = 1_000_000;

Deno.test("a million small entries go through setMany, import (dotenv and JSON) and restore", async () => {
  await using dir = await tempDir();
  const entries: Record<string, string> = {};
  for (let i = 0; i < COUNT; i++) entries[`k${i}`] = `v${i}`;
  {
    await using engine = await openEngine(dir.path);
    await engine.setMany(entries);
    assertEquals((await engine.keys()).length, COUNT);
    assertEquals(await engine.get(`k${COUNT - 1}`), `v${COUNT - 1}`);
  }
  const vault = join(dir.path, "vault");
  const dotenv = Object.entries(entries).map(([k, v]) => `${k}=${v}\n`)
    .join("");
  const fromDotenv = join(dir.path, "from-dotenv");
  const imported = await cli(fromDotenv, ["import", "-"], { stdin: dotenv });
  assertEquals(imported.code, 0, imported.stderr);

  const json = await cli(vault, ["export", "--format", "json"]);
  assertEquals(json.code, 0, json.stderr);
  const fromJson = join(dir.path, "from-json");
  const importedJson = await cli(fromJson, ["import", "-"], {
    stdin: json.stdout,
  });
  assertEquals(importedJson.code, 0, importedJson.stderr);

  const key = join(dir.path, "backup.key");
  const keygen = await cli(vault, ["keygen", "-o", key]);
  assertEquals(keygen.code, 0, keygen.stderr);
  const backup = join(dir.path, "all.age");
  const made = await cli(vault, [
    "backup",
    backup,
    "--recipient",
    keygen.stdout.trim(),
  ]);
  assertEquals(made.code, 0, made.stderr);
  const restoredPath = join(dir.path, "restored");
  const restored = await cli(restoredPath, [
    "restore",
    backup,
    "--identity",
    key,
  ]);
  assertEquals(restored.code, 0, restored.stderr);

  for (const path of [fromDotenv, fromJson, restoredPath]) {
    const got = await cli(path, ["get", `k${COUNT - 1}`]);
    assertEquals(got.stdout, `v${COUNT - 1}`, path);
    const count = await cli(path, ["info"]);
    assert(/entries:\s+1000000\n/.test(count.stdout), count.stdout);
  }
});
