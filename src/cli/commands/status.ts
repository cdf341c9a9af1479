/**
 * The commands on what a secret carries besides its value: `meta` (its
 * note, tags and rotation policy) and `status` (which secrets are expired,
 * expiring or due for rotation, with an exit code for CI and cron).
 *
 * @module
 */

import type { SecretStatus } from "../../../mod.ts";
import {
  formatAnnotation,
  metaChange,
  parsePeriod,
} from "../options/annotation_flags.ts";
import type { Command } from "../command.ts";
import { EXIT, Failure } from "../failures.ts";
import { formatTime } from "../options/expiry_flags.ts";
import { formatTable, shownText } from "../terminal/table.ts";

/** `meta NAME`: prints a secret's annotation, or changes it. */
export const meta: Command = {
  usage:
    "meta NAME [--note TEXT | --no-note] [--tag T]… [--untag T]… [--rotate-every 90d | --no-rotate]",
  summary:
    "print or change a secret's note, tags and rotation policy (no new version)",
  details: `
Without options, prints them and when the value is due for rotation.
  --note TEXT        where the secret comes from, how to rotate it (4 KiB)
  --tag T            add a tag (letters, digits, . _ : -), repeatable
  --untag T          remove a tag, repeatable
  --rotate-every D   due for rotation when the value is older than D (90d)
  --no-note, --no-rotate   clear them
secrets status lists what is due.`,
  options: [
    "note",
    "no-note",
    "tag",
    "untag",
    "rotate-every",
    "no-rotate",
  ],
  operands: [1, 1],
  takesNames: true,
  async run({ args, open, io }): Promise<number> {
    const [name] = args.operands;
    await using vault = await open();
    const entry = await vault.getMeta(name);
    if (entry === null) throw new Failure("no secret with that name");
    const change = metaChange(args, entry);
    if (Object.keys(change).length === 0) {
      io.write(formatAnnotation(entry));
      return EXIT.ok;
    }
    await vault.setMeta(name, change);
    return EXIT.ok;
  },
};

/** The first line of a note, as a table cell. */
function firstLine(note: string | null | undefined): string {
  return shownText(note?.split("\n", 1)[0] ?? "") || "-";
}

function statusTable(listed: readonly SecretStatus[]): string {
  return formatTable(
    ["NAME", "STATE", "DATE", "NOTE"],
    listed.map((entry) => [
      entry.name,
      entry.state === "exposed"
        ? `exposed: member ${shownText(entry.member ?? "")} removed`
        : entry.state === "conflict"
        ? "conflict: secrets resolve NAME"
        : entry.state,
      formatTime(entry.date),
      firstLine(entry.note),
    ]),
  );
}

/** `status`: what is expired, expiring or due; exit 1 when anything is. */
export const status: Command = {
  usage: "status [--within 14d] [--json]",
  summary:
    "list secrets expired, expiring, due for rotation, exposed by a removed member or in a sync conflict; exit 1 when any is (for CI and cron)",
  details: `
  --within D   how far ahead to look (default 14d): a secret that expires
               or falls due within D is listed, and fails the run
  --json       one JSON document: name, state, date, rotatedAt, member, note
States: expired, expiring, overdue (rotation date passed), due, exposed
(the value is one a removed member could read: DATE is the removal; give it
a new value), conflict (a sync kept another copy's value beside it: DATE is
when that was written; secrets resolve NAME picks one). A value deleted or
pruned before the removal is not listed.
Exit codes: 0 nothing listed, 1 something is, 2 usage error, 3 the vault
could not be read (none there, or it failed to open): CI can tell a due
secret from a broken check.`,
  options: ["within", "json"],
  operands: [0, 0],
  failureCode: EXIT.error,
  async run({ args, open, io }): Promise<number> {
    const within = args.values.within === undefined
      ? undefined
      : parsePeriod(args.values.within, "--within");
    await using vault = await open();
    const listed = await vault.status({ within, notes: true });
    if (args.values.json) {
      io.write(`${JSON.stringify(listed, null, 2)}\n`);
    } else if (listed.length > 0) {
      io.write(statusTable(listed));
    } else {
      io.warn("nothing is expired, expiring, due, exposed or in conflict");
    }
    return listed.length > 0 ? EXIT.failed : EXIT.ok;
  },
};
