/**
 * Many processes, one vault: writers on disjoint and on overlapping names,
 * with a reader running alongside. Afterwards every acknowledged write is
 * there with its last value, `size` is exact, and a fresh open passes full
 * verification.
 *
 * @module
 */

import { join } from "node:path";
import { assert, assertEquals } from "../_assert.ts";
import { canSpawn, runDeno, SPAWN_SKIP_REASON, tempDir } from "../_helpers.ts";
import { SecretsEngine } from "../../mod.ts";

const WRITERS = 3;
const WRITES = 40;
const here = (name: string) => new URL(name, import.meta.url).pathname;

/** Runs writer children `ids` with `writes` writes each; all must succeed. */
async function runWriters(
  vault: string,
  grant: string[],
  ids: number[],
  writes: number,
): Promise<void> {
  const writers = ids.map((id) =>
    runDeno([
      "run",
      ...grant,
      here("writer_child.ts"),
      vault,
      String(id),
      String(writes),
    ])
  );
  for (const result of await Promise.all(writers)) {
    assertEquals(result.code, 0, result.stderr);
  }
}

const writerIds = Array.from({ length: WRITERS }, (_, id) => id);

Deno.test({
  name: `${WRITERS} writer processes and a reader share one vault`,
  ignore: !canSpawn,
  fn: async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    const stop = join(dir.path, "stop");
    const grant = [`--allow-read=${dir.path}`, `--allow-write=${vault}`];
    // Create the vault first so the children race on writes, not creation.
    await (await SecretsEngine.open({ path: vault, factors: [] })).close();

    const reader = runDeno([
      "run",
      ...grant,
      here("reader_child.ts"),
      vault,
      stop,
    ]);
    await runWriters(vault, grant, writerIds, WRITES);
    await Deno.writeTextFile(stop, "");
    const read = await reader;
    assertEquals(read.code, 0, read.stderr);
    assert(read.stdout.startsWith("reads "), read.stdout);

    // Remove the seal so the open verifies every row.
    await Deno.remove(join(vault, "meta.json")).catch(() => {});
    await using engine = await SecretsEngine.open({ path: vault, factors: [] });
    for (let id = 0; id < WRITERS; id++) {
      for (let j = 0; j < WRITES; j++) {
        assertEquals(await engine.get(`w${id}.k${j}`), `${id}:${j}`);
      }
    }
    for (let r = 0; r < 4; r++) {
      const lastJ = WRITES - 4 + ((r - WRITES % 4 + 4) % 4);
      const candidates = Array.from(
        { length: WRITERS },
        (_, id) => `${id}:${lastJ}`,
      );
      const value = await engine.get(`shared.k${r}`);
      assert(candidates.includes(value ?? ""), `shared.k${r} = ${value}`);
    }
    assertEquals(engine.size, WRITERS * WRITES + 4);
    assertEquals((await engine.keys("shared.*")).length, 4);
  },
});

Deno.test({
  name:
    "opening and closing while another process writes never seals a wrong state",
  ignore: !canSpawn,
  fn: async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    const grant = [`--allow-read=${vault}`, `--allow-write=${vault}`];
    await (await SecretsEngine.open({ path: vault, factors: [] })).close();
    const writes = 150;
    const writer = runWriters(vault, grant, [7], writes);
    let cycles = 0;
    let done = false;
    writer.finally(() => done = true);
    while (!done || cycles < 2) {
      await using engine = await SecretsEngine.open({
        path: vault,
        factors: [],
      });
      await engine.get("w7.k0");
      cycles++;
      // An open that unlocks with HKDF never waits on I/O: let the event
      // loop see the writer's exit.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    await writer;
    await using engine = await SecretsEngine.open({ path: vault, factors: [] });
    assertEquals(engine.size, writes + 4);
    assertEquals(await engine.get(`w7.k${writes - 1}`), `7:${writes - 1}`);
  },
});

Deno.test({
  name: "processes creating one vault at once agree on its keys",
  ignore: !canSpawn,
  fn: async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    const grant = [`--allow-read=${dir.path}`, `--allow-write=${vault}`];
    await runWriters(vault, grant, writerIds, 3);
    await using engine = await SecretsEngine.open({ path: vault, factors: [] });
    for (let id = 0; id < WRITERS; id++) {
      assertEquals(await engine.get(`w${id}.k2`), `${id}:2`);
    }
    assertEquals(engine.size, WRITERS * 3 + 3);
  },
});

if (!canSpawn) console.log(`concurrency_test: ${SPAWN_SKIP_REASON}`);
