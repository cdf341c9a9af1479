/**
 * The commands of a copy that syncs: `push`, `pull`, `sync`, `clone` and
 * `resolve`. Each finds the remote's password as `psql` does (asking at a
 * terminal when the server wants one), says what it moved on stderr, and
 * exits 4 when conflicts remain and 5 when the server did not answer, so a
 * timer or CI can tell those from a failure.
 *
 * @module
 */

import {
  RemoteError,
  SecretsEngine,
  type SyncConflict,
  type SyncOptions,
  type SyncReport,
} from "../../../mod.ts";
import type { Command, Context } from "../command.ts";
import { EXIT, Failure, UsageError } from "../failures.ts";
import { withPassword } from "../options/pg_password.ts";
import {
  defaultIdentityFile,
  identityUnlock,
  readIdentity,
} from "../options/unlock.ts";
import { endingSignals } from "../running/watching.ts";
import type { Io } from "../streams.ts";
import { cliMessage } from "../wording.ts";
import { progress } from "../terminal/progress.ts";

function offline(error: unknown): error is RemoteError {
  return error instanceof RemoteError &&
    error.remedy?.kind === "remote-offline";
}

function plural(count: number, one: string): string {
  return `${count} ${one}${count === 1 ? "" : "s"}`;
}

function conflictLine(conflicts: readonly string[]): string {
  return `conflict on ${conflicts.join(", ")}: both sides changed ${
    conflicts.length === 1 ? "it" : "them"
  }; the remote's value is current and the other is kept: secrets resolve NAME`;
}

/** Says what a sync moved; the exit code says whether conflicts remain. */
function reported(io: Io, report: SyncReport): number {
  io.warn(
    `pulled ${plural(report.pulled, "name")}, pushed ${
      plural(report.pushed, "name")
    }; the remote is at revision ${report.revision}`,
  );
  if (report.conflicts.length === 0) return EXIT.ok;
  io.warn(conflictLine(report.conflicts));
  return EXIT.conflict;
}

/**
 * The identity that opens this copy's member slot of a new key epoch, for
 * a copy without a member key of its own: `SECRETS_IDENTITY_FILE`.
 */
async function epochIdentity(io: Io): Promise<SyncOptions> {
  const path = defaultIdentityFile();
  if (path === undefined) return {};
  const unlock = await identityUnlock(io, await readIdentity(io, path), path);
  return "identity" in unlock ? { ...unlock } : {};
}

/** Follows the remote until SIGINT or SIGTERM: exit 0. */
async function watching(
  io: Io,
  vault: SecretsEngine,
  options: SyncOptions,
): Promise<number> {
  const ending = endingSignals();
  let down = false;
  try {
    await vault.syncWatch({
      ...options,
      signal: ending.signal,
      onSync: (report) => {
        if (down) io.warn("the server answers again");
        down = false;
        if (report.pulled + report.pushed > 0 || report.conflicts.length > 0) {
          reported(io, report);
        }
      },
      onError: (error) => {
        if (!down) io.warn(`${cliMessage(error)}; retrying`);
        down = true;
      },
    });
  } finally {
    ending.stop();
  }
  return EXIT.ok;
}

async function syncing(
  { open, io, args }: Context,
  options: SyncOptions,
): Promise<number> {
  await using vault = await open();
  const remote = await vault.remote();
  if (remote === null) {
    throw new Failure(
      "this copy has no remote: secrets remote set postgres://USER@HOST:PORT/DB",
    );
  }
  const repair = args.values.repair === true;
  const identity = await epochIdentity(io);
  const shown = progress(io, "sync", "names");
  try {
    return await withPassword(io, remote.url, async (password) => {
      const given = { ...options, ...identity, repair, password };
      if (args.values.watch) return await watching(io, vault, given);
      const onProgress = (done: number, total: number) =>
        shown.update(done, total);
      const report = await vault.sync({ ...given, onProgress });
      shown.end();
      return reported(io, report);
    });
  } catch (error) {
    shown.end();
    if (!offline(error)) throw error;
    io.warn(cliMessage(error));
    return EXIT.offline;
  }
}

/** `sync [--repair] [--watch]`. */
export const sync: Command = {
  usage: "sync [--repair] [--watch]",
  summary: "pull what other copies pushed, then push what this copy changed",
  details: `
Pulls every row pushed since this copy last synced (each checked: a forged,
moved, dropped or rolled-back row refuses the whole pull, and nothing is
applied), merges by name, then pushes this copy's changes in one
check-and-set. A name both sides changed keeps the remote's value as current
and this copy's beside it: exit 4, and secrets resolve NAME ends it. The
server unreachable: exit 5, and the vault reads and writes as before.
--repair accepts a remote behind what this copy saw (after a failover or a
restore of the server). --watch follows the remote until SIGINT or SIGTERM:
a teammate's change lands here within a second (run --watch restarts its
program), a server that goes away is retried with backoff. A copy that may
only read takes a new key epoch with the identity SECRETS_IDENTITY_FILE
names. Needs --allow-net=HOST:PORT.`,
  options: ["repair", "watch"],
  operands: [0, 0],
  run: (context) => syncing(context, {}),
};

/** `pull`. */
export const pull: Command = {
  usage: "pull [--repair]",
  summary: "take what other copies pushed, pushing nothing",
  details: `
As secrets sync, without the push. Exit 4 when conflicts remain, 5 when the
server does not answer.`,
  options: ["repair"],
  operands: [0, 0],
  run: (context) => syncing(context, { push: false }),
};

/** `push`. */
export const push: Command = {
  usage: "push",
  summary: "send what this copy changed, when it has pulled everything",
  details: `
As secrets sync, without the pull: refused while the remote holds changes
this copy has not pulled (run secrets sync). Exit 5 when the server does not
answer.`,
  options: [],
  operands: [0, 0],
  run: (context) => syncing(context, { pull: false }),
};

/** `clone URL --identity FILE [--name NAME] [--fingerprint FP]`. */
export const clone: Command = {
  usage:
    "clone postgres://USER@HOST:PORT/DB --identity FILE [--name NAME] [--fingerprint SHA256:…]",
  summary:
    "make a local copy of a vault a teammate pushed, as one of its members",
  details: `
Opens the member slot your age or SSH identity answers to, makes a new vault
at the path (with a keyfile of this machine), takes every row, and records
the remote. Prints the vault's fingerprint: pin it with --fingerprint (a
teammate's secrets remote prints it); without it, a first clone trusts the
server for which vault it is. Needs --allow-net=HOST:PORT.`,
  options: ["identity", "name", "fingerprint"],
  noUnlock: true,
  operands: [1, 1],
  async run({ args, location, io }: Context): Promise<number> {
    const [url] = args.operands;
    const [path, more] = args.values.identity ?? [];
    if (path === undefined || more !== undefined) {
      throw new UsageError("clone takes one --identity FILE");
    }
    const identity = await readIdentity(io, path);
    const { name, fingerprint } = args.values;
    const shown = progress(io, "clone", "names");
    await using vault = await withPassword(
      io,
      url,
      (password) =>
        SecretsEngine.clone(url, {
          ...location,
          identity,
          name,
          fingerprint,
          password,
          onProgress: (done, total) => shown.update(done, total),
        }),
    ).finally(() => shown.end());
    const remote = await vault.remote();
    const count = (await vault.keys()).length;
    io.warn(
      `cloned ${plural(count, "secret")} into ${vault.storagePath}`,
    );
    io.write(`${remote?.fingerprint ?? ""}\n`);
    return EXIT.ok;
  },
};

function describe(conflict: SyncConflict, show: boolean): string {
  const lines = conflict.kept.map((kept) => {
    const who = kept.mine ? "this copy" : "another copy";
    const value = show
      ? ` ${typeof kept.value === "string" ? kept.value : "(bytes)"}`
      : "";
    return `  ${kept.number}: written by ${who}, ${kept.updated.toISOString()}${value}`;
  });
  return `${conflict.name}\n${lines.join("\n")}\n`;
}

function keepOf(keep: string): "local" | "remote" | number {
  if (keep === "local" || keep === "remote") return keep;
  if (/^[1-9][0-9]{0,5}$/.test(keep)) return Number(keep);
  throw new UsageError("--keep is local, remote or a kept value's number");
}

/** `resolve [NAME --keep local|remote|N] [--show]`. */
export const resolve: Command = {
  usage: "resolve [NAME --keep local|remote|N] [--show]",
  summary: "list sync conflicts, or end one by keeping a value",
  details: `
Without NAME, lists every secret a sync conflict left with kept values,
numbered, and who wrote each (--show prints the values too). With NAME,
--keep remote keeps the current value (the one the remote accepted first),
--keep local the value this copy wrote, --keep N kept value N. The choice is
a local write: the next secrets sync pushes it, and every copy that pulls it
sees the conflict end.`,
  options: ["keep", "show"],
  operands: [0, 1],
  takesNames: true,
  async run({ args, open, io }: Context): Promise<number> {
    const [name] = args.operands;
    const { keep, show } = args.values;
    await using vault = await open();
    if (name === undefined) {
      if (keep !== undefined) throw new UsageError("--keep goes with a NAME");
      const conflicts = await vault.conflicts();
      for (const conflict of conflicts) {
        io.write(describe(conflict, show === true));
      }
      return conflicts.length === 0 ? EXIT.ok : EXIT.conflict;
    }
    if (keep === undefined) {
      throw new UsageError("resolve NAME needs --keep local, remote or N");
    }
    await vault.resolve(name, keepOf(keep));
    io.warn(`resolved ${name}; secrets sync sends the choice to every copy`);
    return EXIT.ok;
  },
};

/** `merge-driver BASE OURS THEIRS PATH`: what git runs for a git folder. */
export const mergeDriver: Command = {
  usage: "merge-driver BASE OURS THEIRS PATH",
  summary:
    "merge one file of a git folder remote for git (%O %A %B %P), by name",
  details: `
Registered once per clone of the repository with the line secrets remote set
git:DIR prints. Two values of one secret: ours stays current and theirs is
kept beside it, which secrets sync and status report until secrets resolve.
Exit 1 leaves the conflict to git: two branches at different key epochs (take
the newer one's folder first, then secrets sync), or a file that is not the
vault's.`,
  options: [],
  operands: [4, 4],
  async run({ args, open, io }: Context): Promise<number> {
    const [base, ours, theirs, path] = args.operands;
    await using vault = await open();
    const { conflict } = await vault.mergeGitFile({ base, ours, theirs, path });
    if (conflict !== null) {
      io.warn(
        `${conflict}: both branches changed it; theirs is kept beside ours: secrets resolve ${conflict}`,
      );
    }
    return EXIT.ok;
  },
};
