/**
 * Two people sharing a vault through a folder of a git repository, with
 * the real git: a bare repository, and a clone of it for each person, each
 * with a HOME of its own and the merge driver registered as the line
 * `remote set git:DIR` prints says (with `secrets` on PATH as the README
 * installs it). Alice made the vault and pushed it; Bob cloned it through
 * his member key.
 *
 * @module
 */

import { join } from "node:path";
import { SecretsEngine } from "../../mod.ts";
import { openEngine, runCommand, tempDir } from "../_helpers.ts";
import { ageKey, type TestKey } from "../_keys.ts";
import { installSecrets, pathWith } from "../cli/_cli.ts";

/** One person: their repository clone, their copy, their HOME. */
export interface GitPerson {
  /** Their clone of the repository. */
  repo: string;
  /** The vault folder in it. */
  folder: string;
  /** Their copy of the vault. */
  copy: SecretsEngine;
  /** Runs git in their clone; throws unless `ok` says the code is fine. */
  git(args: string[], ok?: (code: number) => boolean): Promise<GitRun>;
  /** `secrets sync`, then `git add` and `git commit` of the folder. */
  commit(message: string): Promise<void>;
}

/** What a git command printed. */
export interface GitRun {
  /** Its exit code. */
  code: number;
  /** Its standard output. */
  stdout: string;
  /** Its standard error. */
  stderr: string;
}

/** Two people around one bare repository, disposed together. */
export interface GitTeam extends AsyncDisposable {
  /** Alice: made the vault. */
  alice: GitPerson;
  /** Bob: cloned it. */
  bob: GitPerson;
  /** The bare repository. */
  origin: string;
  /** The folder of the whole test. */
  dir: string;
  /** Bob's member key. */
  bobKey: TestKey;
}

/** The folder of the vault in each clone. */
export const FOLDER = ".secrets";

function person(
  dir: string,
  name: string,
  copy: SecretsEngine | null,
): Omit<GitPerson, "copy"> & { copy: SecretsEngine | null } {
  const repo = join(dir, `${name}-repo`);
  const home = join(dir, `${name}-home`);
  const env = {
    HOME: home,
    PATH: pathWith(join(dir, "bin")),
    GIT_AUTHOR_NAME: name,
    GIT_AUTHOR_EMAIL: `${name}@example.com`,
    GIT_COMMITTER_NAME: name,
    GIT_COMMITTER_EMAIL: `${name}@example.com`,
  };
  const self = {
    repo,
    folder: join(repo, FOLDER),
    copy,
    async git(
      args: string[],
      ok: (code: number) => boolean = (code) => code === 0,
    ): Promise<GitRun> {
      const ran = await runCommand("git", args, { cwd: repo, env });
      if (!ok(ran.code)) {
        throw new Error(`git ${args.join(" ")}: ${ran.code}\n${ran.stderr}`);
      }
      return ran;
    },
    async commit(message: string): Promise<void> {
      await self.copy?.sync();
      await self.git(["add", "-A", FOLDER]);
      await self.git(["commit", "-q", "-m", message], (code) => code <= 1);
    },
  };
  return self;
}

/** Alice's vault holding `secrets`, pushed; Bob's clone of it. */
export async function makeGitTeam(
  secrets: Record<string, string> = { "db.password": "hunter2" },
): Promise<GitTeam> {
  const dir = await tempDir();
  await installSecrets(join(dir.path, "bin"));
  const origin = join(dir.path, "origin.git");
  await runCommand("git", ["init", "-q", "--bare", "-b", "main", origin]);
  const alice = person(dir.path, "alice", null);
  const bob = person(dir.path, "bob", null);
  await Deno.mkdir(join(dir.path, "alice-home"), { recursive: true });
  await Deno.mkdir(join(dir.path, "bob-home"), { recursive: true });
  await runCommand("git", ["clone", "-q", origin, alice.repo]);
  alice.copy = await openEngine(join(dir.path, "alice"));
  for (const [name, value] of Object.entries(secrets)) {
    await alice.copy.set(name, value);
  }
  const bobKey = await ageKey(dir.path, "bob.key");
  await alice.copy.addMember(bobKey.recipient, { label: "bob" });
  const set = await alice.copy.setRemote(`git:${alice.folder}`);
  await registerDriver(alice, set.driver ?? "");
  await alice.commit("the vault");
  await alice.git(["push", "-q", "origin", "HEAD:main"]);
  await runCommand("git", ["clone", "-q", origin, bob.repo]);
  bob.copy = await SecretsEngine.clone(`git:${bob.folder}`, {
    path: join(dir.path, "bob"),
    factors: [],
    identity: bobKey.identity,
  });
  await registerDriver(bob, driverFor(bob.copy));
  await bob.commit("bob's machine");
  await bob.git(["push", "-q", "origin", "HEAD:main"]);
  await alice.git(["pull", "-q", "--no-rebase", "origin", "main"]);
  await alice.copy.sync();
  const done = (p: typeof alice) => ({ ...p, copy: p.copy as SecretsEngine });
  return {
    alice: done(alice),
    bob: done(bob),
    origin,
    dir: dir.path,
    bobKey,
    async [Symbol.asyncDispose](): Promise<void> {
      await alice.copy?.close();
      await bob.copy?.close();
      await dir[Symbol.asyncDispose]();
    },
  };
}

/** The driver line `remote set` prints, for a copy that cloned. */
function driverFor(copy: SecretsEngine): string {
  return `git config merge.secrets.driver "secrets --path '${copy.storagePath}' merge-driver %O %A %B %P"`;
}

/** Runs the printed `git config` line in the person's clone, as written. */
async function registerDriver(
  p: Pick<GitPerson, "git">,
  line: string,
): Promise<void> {
  const [, key, value] = line.match(/^git config (\S+) "(.*)"$/) ?? [];
  if (key === undefined || value === undefined) {
    throw new Error(`not a git config line: ${line}`);
  }
  await p.git(["config", key, value]);
}
