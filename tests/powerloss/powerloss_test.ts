/**
 * Power loss, not just process death: each scenario runs on `lazyfs.py`,
 * which forgets whatever was not synced, and is cut at every durable event
 * (up to SECRETS_POWERLOSS_POINTS of them, spread evenly; default 40) and
 * right after every acknowledgement. After each cut, the vault that
 * survived must open with no error, hold every acknowledged write, show
 * the step in flight whole or not at all, and open with every slot that
 * opened it before.
 *
 *     deno task test:powerloss
 *
 * @module
 */

import { join } from "node:path";
import { assert, assertEquals } from "../_assert.ts";
import { copyVault, tempDir } from "../_helpers.ts";
import { SecretsEngine } from "../../mod.ts";
import { type CutPoint, runWithCut, skipReason } from "./harness.ts";
import {
  ADDED_PASSPHRASE,
  BASE_ENTRIES,
  expectedEntries,
  OVERWRITES,
  overwritten,
  type Scenario,
  SCENARIOS,
} from "./scenarios.ts";

const CHILD = new URL("./child.ts", import.meta.url).pathname;
const NORMAL_CHILD = new URL("./normal_child.ts", import.meta.url).pathname;
const skip = await skipReason();
if (skip !== null) console.log(`powerloss_test: skipped: ${skip}`);

function maxPoints(): number {
  const variable = "SECRETS_POWERLOSS_POINTS";
  const state = Deno.permissions.querySync({ name: "env", variable }).state;
  const text = state === "granted" ? Deno.env.get(variable) : undefined;
  return text ? Number(text) : 40;
}

interface Base {
  dir: string;
  key: string;
  keySlot: string;
}

async function makeBase(dir: string): Promise<Base> {
  const path = join(dir, "vault");
  await using engine = await SecretsEngine.open({ path });
  await engine.setMany(BASE_ENTRIES);
  const { key, slot } = await engine.addKey({ label: "recovery" });
  return { dir: path, key, keySlot: slot.id };
}

/** A fresh backing directory holding what the scenario starts from. */
async function prepare(
  work: string,
  scenario: Scenario,
  base: Base,
): Promise<string> {
  const backing = await Deno.makeTempDir({ dir: work, prefix: "backing-" });
  const vault = join(backing, "vault");
  if (scenario.start === "vault") await copyVault(base.dir, vault);
  if (scenario.start === "dir") await Deno.mkdir(vault, { mode: 0o700 });
  return backing;
}

function childArgs(scenario: Scenario, base: Base): string[] {
  return [
    "run",
    `--allow-read={mnt}${scenario.readsParent ? "" : "/vault"}`,
    "--allow-write={mnt}/vault",
    CHILD,
    "{mnt}/vault",
    scenario.child ?? scenario.name,
    base.key,
    base.keySlot,
  ];
}

function sameEntries(
  found: Map<string, string>,
  expected: Map<string, string>,
): boolean {
  return found.size === expected.size &&
    [...expected].every(([name, value]) => found.get(name) === value);
}

/**
 * The overwrite scenario's history: every value `b0` held up to its
 * current one, oldest first, each still readable.
 */
async function checkOverwrites(engine: SecretsEngine): Promise<void> {
  const held = [
    BASE_ENTRIES[0][1],
    ...Array.from({ length: OVERWRITES }, (_, i) => overwritten(i + 1)),
  ];
  const stored: string[] = [];
  for (const { version } of await engine.history("b0")) {
    stored.unshift(String((await engine.getVersion("b0", version))?.value));
  }
  const current = held.indexOf(stored[stored.length - 1]);
  assertEquals(stored, held.slice(0, current + 1), "b0's history");
}

/** Every check after a cut, each failing with what it found. */
async function checkVault(
  path: string,
  scenario: Scenario,
  base: Base,
  acks: number,
): Promise<void> {
  // Opening must work: created anew if the creation never committed.
  const found = new Map<string, string>();
  const slots = await (async () => {
    await using engine = await SecretsEngine.open({ path });
    for (const name of await engine.keys("**")) {
      found.set(name, await engine.get(name) ?? "");
    }
    if (scenario.name === "overwrite") await checkOverwrites(engine);
    return await engine.slots();
  })();
  const acked = expectedEntries(scenario, acks);
  const inFlight = expectedEntries(scenario, acks + 1);
  assert(
    sameEntries(found, acked) || sameEntries(found, inFlight),
    `${found.size} entries, expected ${acked.size} (or ${inFlight.size} with the step in flight)`,
  );
  if (scenario.start !== "vault") return;
  const kinds = slots.map((slot) => slot.kind);
  assertEquals(kinds.filter((kind) => kind === "machine").length, 1);
  const hasKey = kinds.includes("key");
  const removed = scenario.name === "removeSlot";
  assert(hasKey || (removed && acks + 1 >= 1), "the key slot vanished");
  if (removed && acks >= 1) assert(!hasKey, "an acknowledged removal was lost");
  if (hasKey) {
    await (await SecretsEngine.open({ path, unlock: { key: base.key } }))
      .close();
  }
  if (kinds.includes("passphrase")) {
    const unlock = { passphrase: ADDED_PASSPHRASE };
    await (await SecretsEngine.open({ path, unlock })).close();
  } else {
    assert(
      !(scenario.name === "addPassphrase" && acks >= 1),
      "an added slot was lost",
    );
  }
}

/** Up to `max` event numbers from 1 to `count`, spread evenly, ends included. */
function spread(count: number, max: number): number[] {
  if (count <= max) return Array.from({ length: count }, (_, i) => i + 1);
  return [
    ...new Set(
      Array.from(
        { length: max },
        (_, i) => 1 + Math.round((i * (count - 1)) / (max - 1)),
      ),
    ),
  ];
}

Deno.test({
  name:
    "power loss: every scenario survives a cut at its durable events and after each acknowledgement",
  ignore: skip !== null,
  fn: async (t) => {
    await using work = await tempDir();
    const base = await makeBase(join(work.path, "base"));
    const report: string[] = [];
    for (const scenario of SCENARIOS) {
      await t.step(scenario.name, async () => {
        const args = childArgs(scenario, base);
        const uncut = await runWithCut(
          await prepare(work.path, scenario, base),
          work.path,
          args,
          { end: true },
        );
        assertEquals(uncut.acks, scenario.steps.length, uncut.stderr);
        await checkVault(
          join(uncut.image, "vault"),
          scenario,
          base,
          uncut.acks,
        );
        const points: CutPoint[] = [
          ...spread(uncut.events, maxPoints()).map((atEvent) => ({ atEvent })),
          ...scenario.steps.map((_, afterAck) => ({ afterAck })),
        ];
        for (const point of points) {
          const cut = await runWithCut(
            await prepare(work.path, scenario, base),
            work.path,
            args,
            point,
          );
          try {
            await checkVault(
              join(cut.image, "vault"),
              scenario,
              base,
              cut.acks,
            );
          } catch (error) {
            throw new Error(
              `${scenario.name}, cut ${
                JSON.stringify(point)
              } (${cut.acks} acked): ${(error as Error).message}`,
              { cause: error },
            );
          }
        }
        report.push(
          `${scenario.name}: ${uncut.events} durable events, ${points.length} cut points`,
        );
      });
    }
    console.log(report.join("\n"));
  },
});

// The harness must catch what it exists to catch: SQLite with
// synchronous=NORMAL acknowledges commits it has not synced.
Deno.test({
  name:
    "power loss harness: it catches acknowledged writes lost under synchronous=NORMAL",
  ignore: skip !== null,
  fn: async () => {
    await using work = await tempDir();
    let lost = 0;
    for (let afterAck = 0; afterAck < 4; afterAck++) {
      const backing = await Deno.makeTempDir({ dir: work.path });
      await Deno.mkdir(join(backing, "db"), { mode: 0o700 });
      const cut = await runWithCut(backing, work.path, [
        "run",
        "--allow-read={mnt}/db",
        "--allow-write={mnt}/db",
        NORMAL_CHILD,
        "{mnt}/db",
      ], { afterAck });
      const rows = await countRows(join(cut.image, "db", "t.db"));
      if (rows < cut.acks) lost++;
    }
    assert(lost > 0, "no acknowledged write was lost: the harness is blind");
  },
});

async function countRows(path: string): Promise<number> {
  const { DatabaseSync } = await import("node:sqlite");
  try {
    Deno.statSync(path);
  } catch {
    return 0;
  }
  const db = new DatabaseSync(path);
  try {
    return Number(db.prepare("SELECT count(*) AS n FROM t").get()?.n ?? 0);
  } catch {
    return 0;
  } finally {
    db.close();
  }
}
