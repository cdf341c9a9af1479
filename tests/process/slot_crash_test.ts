/**
 * Crash injection for key-slot changes: a child runs `addPassphrase`,
 * `removeSlot`, `rebind` or `rotate` on a copy of a vault of several
 * thousand entries, and the parent kills it with SIGKILL at a random moment
 * of the operation (calibrated on one uncut run of each). After every kill
 * the vault must open with every slot that opened it before the call, or be
 * in the whole new state, and every value must read back.
 *
 * SECRETS_CRASH_KILLS sets the kills per operation (default 50 / 10).
 *
 * @module
 */

import { join } from "node:path";
import { assert, assertEquals } from "../_assert.ts";
import {
  canSpawn,
  copyVault,
  SPAWN_SKIP_REASON,
  spawnVaultChild,
  tempDir,
} from "../_helpers.ts";
import { SecretsEngine, type SlotInfo } from "../../mod.ts";

const CHILD = new URL("./slot_crash_child.ts", import.meta.url).pathname;
const ENTRIES = 3000;
const PASSPHRASE = "the base vault's passphrase";
const ADDED_PASSPHRASE = "added during a crash test";
const OPS = ["addPassphrase", "removeSlot", "rebind", "rotate"] as const;
type SlotOp = typeof OPS[number];

function killsPerOp(): number {
  const variable = "SECRETS_CRASH_KILLS";
  const state = Deno.permissions.querySync({ name: "env", variable }).state;
  const text = state === "granted" ? Deno.env.get(variable) : undefined;
  return Math.max(2, Math.round((text ? Number(text) : 50) / 10));
}

interface Base {
  key: string;
  machineSlot: string;
  passphraseSlot: string;
  values: Map<string, string>;
}

/** A vault with entries, its machine slot, a key slot and a passphrase slot. */
async function makeBase(path: string): Promise<Base> {
  await using engine = await SecretsEngine.open({ path });
  const values = new Map(
    Array.from({ length: ENTRIES }, (_, i) => [`svc${i}.token`, `value ${i}`]),
  );
  await engine.setMany(values);
  const { key } = await engine.addKey({ label: "recovery" });
  const slot = await engine.addPassphrase(PASSPHRASE);
  const [machine] = await engine.slots();
  return { key, machineSlot: machine.id, passphraseSlot: slot.id, values };
}

/** Runs the child; kills it `delayMs` after `start` unless `delayMs` is null. */
async function runChild(
  vault: string,
  op: SlotOp,
  base: Base,
  delayMs: number | null,
): Promise<{ acked: boolean; ms: number }> {
  const child = spawnVaultChild(CHILD, vault, [
    op,
    base.key,
    base.passphraseSlot,
  ]);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let output = "";
  for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
    output += chunk;
    if (delayMs !== null && timer === undefined && output.includes("start")) {
      timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch {
          // It finished first: the acknowledgement says so.
        }
      }, delayMs);
    }
  }
  clearTimeout(timer);
  const status = await child.status;
  const stderr = await new Response(child.stderr).text();
  const ack = output.match(/ack (\d+)/);
  assert(status.success || status.signal === "SIGKILL", stderr);
  return { acked: ack !== null, ms: Number(ack?.[1] ?? 0) };
}

async function opens(
  path: string,
  unlock?: { key: string } | { passphrase: string },
): Promise<SlotInfo[]> {
  await using engine = await SecretsEngine.open({ path, unlock });
  return await engine.slots();
}

/** The checks after a kill; returns whether the new state was found. */
async function check(path: string, op: SlotOp, base: Base): Promise<boolean> {
  // The machine slot and the key slot survive every one of these
  // operations, old state or new.
  const slots = await opens(path);
  await opens(path, { key: base.key });
  {
    await using engine = await SecretsEngine.open({ path });
    assertEquals(engine.size, ENTRIES);
    for (const [name, value] of base.values) {
      assertEquals(await engine.get(name), value, name);
    }
  }
  const kinds = slots.map((slot) => slot.kind).sort();
  const hasBasePassphrase = slots.some((s) => s.id === base.passphraseSlot);
  if (hasBasePassphrase) await opens(path, { passphrase: PASSPHRASE });
  switch (op) {
    case "addPassphrase": {
      const added = kinds.filter((kind) => kind === "passphrase").length === 2;
      if (added) await opens(path, { passphrase: ADDED_PASSPHRASE });
      return added;
    }
    case "removeSlot":
    case "rotate":
      assertEquals(kinds.filter((kind) => kind !== "passphrase"), [
        "key",
        "machine",
      ]);
      return !hasBasePassphrase;
    case "rebind":
      assertEquals(kinds, ["key", "machine", "passphrase"]);
      return !slots.some((slot) =>
        slot.kind === "machine" && slot.id === base.machineSlot
      );
  }
}

Deno.test({
  name:
    `SIGKILL during addPassphrase, removeSlot, rebind and rotate loses no way in (${killsPerOp()} kills each)`,
  ignore: !canSpawn,
  fn: async (t) => {
    await using dir = await tempDir();
    const basePath = join(dir.path, "base");
    const base = await makeBase(basePath);
    let round = 0;
    for (const op of OPS) {
      await t.step(op, async () => {
        const calibrate = join(dir.path, `calibrate-${op}`);
        await copyVault(basePath, calibrate);
        const { ms } = await runChild(calibrate, op, base, null);
        assert(await check(calibrate, op, base), `${op} did not complete`);
        let completed = 0;
        for (let kill = 0; kill < killsPerOp(); kill++) {
          const vault = join(dir.path, `round-${round++}`);
          await copyVault(basePath, vault);
          // Over the operation's length and a little past its commit.
          const delay = Math.random() * ms * 1.25;
          const { acked } = await runChild(vault, op, base, delay);
          const whole = await check(vault, op, base);
          assert(!acked || whole, `${op}: acknowledged, yet the old state`);
          if (whole) completed++;
          await Deno.remove(vault, { recursive: true });
        }
        // Not an assertion on timing: how often the kill fell after the commit.
        console.log(
          `${op}: ${ms} ms uncut; new state after ${completed}/${killsPerOp()} kills`,
        );
      });
    }
  },
});

if (!canSpawn) console.log(`slot_crash_test: ${SPAWN_SKIP_REASON}`);
