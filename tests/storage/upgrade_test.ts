/**
 * The upgrade of a format 3 vault (to the current format) under concurrency: processes that open a format 3
 * vault at the same moment all succeed, exactly one upgrades it, and every
 * one reads every value. (The upgrade of each earlier format, and one that
 * refuses a tampered vault, are in `tests/open_test.ts`.)
 *
 * @module
 */

import { join } from "node:path";
import { assertEquals } from "../_assert.ts";
import {
  canSpawn,
  copyFixture,
  runDeno,
  SPAWN_SKIP_REASON,
  tempDir,
} from "../_helpers.ts";
import { SecretsEngine } from "../../mod.ts";

const CHILD = new URL("../process/upgrade_child.ts", import.meta.url).pathname;
const FIXTURE = new URL("../fixtures/vault-format3.json", import.meta.url)
  .pathname;
const PROCESSES = 4;

Deno.test({
  name:
    "processes opening a format 3 vault at once all read every value; it is upgraded once",
  ignore: !canSpawn,
  fn: async () => {
    await using dir = await tempDir();
    const path = await copyFixture(dir.path, "vault-format3");
    const secrets: Record<string, string> = JSON.parse(
      await Deno.readTextFile(FIXTURE),
    );
    const grant = [`--allow-read=${path}`, `--allow-write=${path}`];
    const results = await Promise.all(
      Array.from(
        { length: PROCESSES },
        () => runDeno(["run", ...grant, CHILD, path, ...Object.keys(secrets)]),
      ),
    );
    for (const { code, stdout, stderr } of results) {
      assertEquals(code, 0, stderr);
      assertEquals(JSON.parse(stdout), { format: 7, values: secrets });
    }
    await Deno.remove(join(path, "meta.json"));
    await using engine = await SecretsEngine.open({ path });
    for (const name of Object.keys(secrets)) {
      assertEquals((await engine.history(name)).map((v) => v.version), [1]);
    }
  },
});

if (!canSpawn) console.log(`upgrade_test: ${SPAWN_SKIP_REASON}`);
