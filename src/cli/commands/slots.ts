/**
 * The commands on the ways into a vault: `init` (with a recovery key or a
 * passphrase from the start), `slots` (list, add, remove), `rebind` and
 * `rotate`.
 *
 * @module
 */

import type {
  BindingFactor,
  SecretsEngine,
  SlotInfo,
  Unlock,
} from "../../../mod.ts";
import { VaultNotFoundError } from "../../errors.ts";
import type { Command, Context, Parsed } from "../command.ts";
import { EXIT, Failure, UsageError } from "../failures.ts";
import { confirmAtTerminal, readSecretLine } from "../terminal/prompt.ts";
import { progress } from "../terminal/progress.ts";
import { formatTable, shownText } from "../terminal/table.ts";
import { readFirstLine } from "../options/unlock.ts";
import type { Io } from "../streams.ts";

const RECOVERY_LABEL = "recovery";
const KEY_NOTICE =
  "Store this key offline (on paper, or in a password manager): it opens the vault if the keyfile or this machine is lost. It is not shown again.";

async function readNewPassphrase(io: Io): Promise<string> {
  const passphrase = await readSecretLine(io, "New passphrase: ", true);
  if (passphrase === "") {
    throw new Failure("the passphrase is empty: nothing was changed");
  }
  return passphrase;
}

function describe(slot: SlotInfo): string {
  const label = slot.label === "" ? "" : ` "${shownText(slot.label)}"`;
  return `${slot.kind} slot ${slot.id}${label}`;
}

function factorsText(slot: SlotInfo): string {
  if (slot.kind !== "machine") return "-";
  return slot.factors?.length ? slot.factors.join(",") : "keyfile only";
}

async function addKey(
  io: Io,
  vault: SecretsEngine,
  label?: string,
): Promise<void> {
  const { slot, key } = await vault.addKey({ label });
  io.write(`${key}\n`);
  io.warn(`added ${describe(slot)}. ${KEY_NOTICE}`);
}

function parseFactorList(args: Context["args"]): BindingFactor[] | undefined {
  const { factors, "no-factors": none } = args.values;
  if (factors !== undefined && none) {
    throw new UsageError("--factors and --no-factors exclude each other");
  }
  if (factors === undefined) return none ? [] : undefined;
  return factors.split(",").map((factor) => factor.trim()) as BindingFactor[];
}

/** `init`: creates the vault, with a recovery key and/or a passphrase. */
export const init: Command = {
  usage: "init [--recovery-key] [--passphrase] [--factors hostname,user]",
  summary:
    "create the vault; --recovery-key prints a key that opens it if the keyfile is lost",
  details: `
--recovery-key adds a key slot and prints its key once, to stdout: store it
offline. --passphrase adds a passphrase slot, asked twice without echo (off
a terminal, the first line of stdin). --factors binds the machine slot to
the hostname and/or user besides the keyfile (needs --allow-sys).`,
  options: ["recovery-key", "passphrase", "factors"],
  operands: [0, 0],
  noUnlock: true,
  async run({ args, open, io }): Promise<number> {
    try {
      const existing = await open();
      const path = existing.storagePath;
      await existing.close();
      throw new Failure(`a vault already exists at ${path}`);
    } catch (error) {
      if (!(error instanceof VaultNotFoundError)) throw error;
    }
    const passphrase = args.values.passphrase
      ? await readNewPassphrase(io)
      : undefined;
    const factors = parseFactorList(args) ?? [];
    await using vault = await open({ create: true, factors });
    if (passphrase !== undefined) {
      io.warn(`added ${describe(await vault.addPassphrase(passphrase))}`);
    }
    if (args.values["recovery-key"]) await addKey(io, vault, RECOVERY_LABEL);
    return EXIT.ok;
  },
};

async function listSlots(io: Io, vault: SecretsEngine): Promise<void> {
  const { unlockedBy } = await vault.info();
  const rows = (await vault.slots()).map((slot) => [
    slot.id === unlockedBy.id ? `${slot.id}*` : slot.id,
    slot.kind,
    shownText(slot.label) || "-",
    slot.created.toISOString().slice(0, 19).replace("T", " "),
    factorsText(slot),
  ]);
  const header = ["ID", "KIND", "LABEL", "CREATED", "FACTORS"];
  io.write(`${formatTable(header, rows)}* unlocked this command\n`);
}

/** `slots`: list, add or remove the vault's key slots. */
export const slots: Command = {
  usage: "slots [add passphrase|key [--label L] | remove ID]",
  summary: "list the vault's key slots, or add or remove one",
  details: `
Each slot opens the vault on its own: the machine slot (the keyfile), a
passphrase slot, or a key slot (a printed key, for recovery or CI). "add
key" prints the new key once, to stdout. The last slot cannot be removed;
removing the machine slot deletes the keyfile.`,
  options: ["label"],
  operands: [0, 2],
  async run({ args, open, io }): Promise<number> {
    const [action, what] = args.operands;
    const { label } = args.values;
    if (action === undefined) {
      if (label !== undefined) {
        throw new UsageError("--label goes with slots add");
      }
      await using vault = await open();
      await listSlots(io, vault);
      return EXIT.ok;
    }
    if (action === "add" && (what === "passphrase" || what === "key")) {
      await using vault = await open();
      if (what === "key") await addKey(io, vault, label);
      else {
        const slot = await vault.addPassphrase(await readNewPassphrase(io), {
          label,
        });
        io.warn(`added ${describe(slot)}`);
      }
      return EXIT.ok;
    }
    if (action === "remove" && what !== undefined && label === undefined) {
      await using vault = await open();
      await vault.removeSlot(what);
      io.warn(`removed slot ${what}`);
      return EXIT.ok;
    }
    throw new UsageError(`usage: secrets ${slots.usage}`);
  },
};

/** `rebind`: a new keyfile and machine slot. */
export const rebind: Command = {
  usage: "rebind [--factors hostname,user | --no-factors]",
  summary:
    "give the vault a new keyfile and machine slot (after a lost keyfile or a renamed host)",
  details: `
Open the vault another way (--passphrase, --key-env, --key-file) when the
keyfile is lost or the machine changed; rebind then restores the zero-setup
unlock. The machine slot is bound to the keyfile alone unless --factors
names hostname and/or user (needs --allow-sys).`,
  options: ["factors", "no-factors"],
  operands: [0, 0],
  async run({ args, open, io }): Promise<number> {
    await using vault = await open();
    const slot = await vault.rebind({ factors: parseFactorList(args) ?? [] });
    io.warn(`rebound: ${describe(slot)} (${factorsText(slot)})`);
    return EXIT.ok;
  },
};

/**
 * The slots a rotation may remove: all but the machine slot and the one
 * that unlocked, less as many of each kind as `keep` gives secrets for.
 */
function atRisk(
  slots: readonly SlotInfo[],
  unlockedBy: string,
  keep: readonly Unlock[],
): { slots: SlotInfo[]; removed: number } {
  const candidates = slots.filter((slot) =>
    slot.kind !== "machine" && slot.id !== unlockedBy
  );
  const kept = (kind: string) =>
    Math.min(
      candidates.filter((slot) => slot.kind === kind).length,
      keep.filter((unlock) => kind in unlock).length,
    );
  const removed = candidates.length - kept("passphrase") - kept("key");
  return { slots: candidates, removed };
}

/** The secrets of the slots to keep, from `--keep-passphrase` and `--keep-key`. */
async function keepSecrets(io: Io, args: Parsed): Promise<Unlock[]> {
  const keep: Unlock[] = [];
  if (args.values["keep-passphrase"]) {
    keep.push({
      passphrase: await readSecretLine(
        io,
        "Passphrase of the slot to keep: ",
        false,
      ),
    });
  }
  for (const file of args.values["keep-key"] ?? []) {
    keep.push({ key: (await readFirstLine(io, file)).trim() });
  }
  return keep;
}

/** `rotate`: a new data key; slots not kept are removed, after confirmation. */
export const rotate: Command = {
  usage: "rotate [--keep-passphrase] [--keep-key FILE]… [--yes]",
  summary:
    "replace the data key, re-encrypting every secret; keeps the machine slot, the slot used to unlock and those you keep",
  details: `
A rotation keeps the machine slot and the slot you unlocked with; every
other slot is removed unless you keep it: --keep-passphrase asks for a
passphrase slot's passphrase, --keep-key FILE reads a key slot's key from
the first line of FILE (- for stdin; repeat it for several), and those
slots are rewrapped under the new key. The slots that would go are listed,
and at a terminal you are asked to confirm; off a terminal, --yes is needed
when any would go. A removed recovery key no longer opens the vault: if the
keyfile is then lost, the vault is lost with it.`,
  options: ["keep-passphrase", "keep-key", "yes"],
  operands: [0, 0],
  async run({ args, open, io }): Promise<number> {
    await using vault = await open();
    const keep = await keepSecrets(io, args);
    const { unlockedBy } = await vault.info();
    const risk = atRisk(await vault.slots(), unlockedBy.id, keep);
    if (risk.removed > 0) {
      const list = risk.slots.map((slot) => `  ${describe(slot)}`).join("\n");
      const what = keep.length > 0
        ? `${risk.removed} of these slots will be removed (those your --keep options do not open):`
        : "these slots will be removed:";
      io.warn(`${what}\n${list}`);
      if (!args.values.yes) {
        if (!io.streams.stdin.isTerminal()) {
          throw new UsageError(
            "rotate would remove slots: pass --yes to remove them, or keep them with --keep-passphrase or --keep-key FILE",
          );
        }
        const question = 'Type "yes" to rotate and remove them:';
        if (!await confirmAtTerminal(io, question)) {
          throw new Failure("not rotated");
        }
      }
    }
    const shown = progress(io, "rotate", "entries");
    const { removed } = await vault.rotate({
      keep,
      onProgress: (done, total) => shown.update(done, total),
    }).finally(() => shown.end());
    for (const slot of removed) {
      io.warn(
        `removed ${
          describe(slot)
        }: re-add it with "secrets slots add ${slot.kind}"`,
      );
    }
    io.warn(`rotated the data key; ${removed.length} slot(s) removed`);
    return EXIT.ok;
  },
};
