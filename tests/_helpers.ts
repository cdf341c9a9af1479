/**
 * Shared test helpers: temporary vaults, raw SQL on a vault's database, and
 * child `deno` processes for the process-level tests.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { SecretsEngine } from "../mod.ts";
import { openStore, type Store } from "../src/storage/store.ts";

/** A temporary directory that removes itself. */
export async function tempDir(): Promise<AsyncDisposable & { path: string }> {
  const path = await Deno.makeTempDir({ prefix: "secrets-test-" });
  return {
    path,
    [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }),
  };
}

/** Opens a vault in `dir` (a subfolder `vault`) bound to no factors. */
export function openEngine(dir: string): Promise<SecretsEngine> {
  return SecretsEngine.open({ path: join(dir, "vault"), factors: [] });
}

/** Copies a vault directory file by file, keeping each file's mode. */
export async function copyVault(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { mode: 0o700 });
  await Deno.chmod(to, 0o700);
  for await (const entry of Deno.readDir(from)) {
    const mode = (await Deno.stat(join(from, entry.name))).mode ?? 0o600;
    await Deno.copyFile(join(from, entry.name), join(to, entry.name));
    await Deno.chmod(join(to, entry.name), mode & 0o777);
  }
}

const FIXTURES = new URL("./fixtures/", import.meta.url).pathname;

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/**
 * Copies the fixture vault `name` (`tests/fixtures/make_fixture_vault.sh`
 * wrote it with an earlier version) to `to/vault`, with the modes git does
 * not keep; returns its path.
 */
export async function copyFixture(
  to: string,
  name = "vault-0.1.0",
): Promise<string> {
  const vault = join(to, "vault");
  await Deno.mkdir(vault, { mode: 0o700 });
  for (const file of [".keyfile", "store.db", "meta.json", "remote.json"]) {
    const from = join(FIXTURES, name, file);
    // Only a copy that syncs (format 7) has a remote.json.
    if (file === "remote.json" && !await exists(from)) continue;
    await Deno.copyFile(from, join(vault, file));
    await Deno.chmod(join(vault, file), file === ".keyfile" ? 0o400 : 0o600);
  }
  return vault;
}

/**
 * Opens a store on `dir/store.db`, creating the file (mode 0600) on first
 * use as the engine does.
 */
export function newStore(dir: string, busyTimeoutMs = 100): Store {
  const path = join(dir, "store.db");
  try {
    Deno.writeFileSync(path, new Uint8Array(), {
      mode: 0o600,
      createNew: true,
    });
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
  }
  return openStore(path, { busyTimeoutMs });
}

/** Runs raw SQL against a vault's database, as an attacker or a second tool would. */
export function rawSql<T>(dir: string, fn: (db: DatabaseSync) => T): T {
  const db = new DatabaseSync(join(dir, "vault", "store.db"), {
    timeout: 5000,
  });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** Whether this test run may run `command` (`deno task test` grants it). */
export function canRun(command: string): boolean {
  return Deno.permissions.querySync({ name: "run", command }).state ===
    "granted";
}

/**
 * Whether `command` is installed and this run may start it (`.ci/run`
 * installs what the tests use; elsewhere their tests skip).
 */
export function installed(command: string): boolean {
  if (!canRun(command) || !canRun("sh")) return false;
  const { success } = new Deno.Command("sh", {
    args: ["-c", `command -v ${command}`],
    stdout: "null",
  }).outputSync();
  return success;
}

/** Whether this test run may spawn `deno`; process-level tests skip without it. */
export const canSpawn: boolean = canRun("deno");

/** A user id other than this process's: `nobody` on most systems. */
export const OTHER_UID = 65534;

/**
 * Whether this process may give a file to another user (it runs as root),
 * found by trying, since asking for the uid needs `--allow-sys`.
 */
export const canChown: boolean = await (async () => {
  if (Deno.build.os === "windows") return false;
  const path = await Deno.makeTempFile({ prefix: "secrets-test-chown-" });
  try {
    await Deno.chown(path, OTHER_UID, null);
    return true;
  } catch {
    return false;
  } finally {
    await Deno.remove(path);
  }
})();

/** Makes a named pipe at `path` with `mkfifo(1)`. */
export async function makeFifo(path: string): Promise<void> {
  const { success } = await new Deno.Command("mkfifo", { args: [path] })
    .output();
  if (!success) throw new Error(`mkfifo ${path} failed`);
}

/** Why process-level tests skip, printed once per file. */
export const SPAWN_SKIP_REASON =
  "skipped: needs --allow-run=deno (run `deno task test`)";

/** The output of a finished child process. */
export interface ChildResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** How to run a child process. */
export interface RunOptions {
  /** What to write to its stdin, then close it; none: no stdin at all. */
  stdin?: string | Uint8Array;
  /** Variables to add to (or, with `clearEnv`, make) its environment. */
  env?: Record<string, string>;
  /** Start from an empty environment. */
  clearEnv?: boolean;
  /** Its working directory. */
  cwd?: string;
}

/** Runs `deno <args>` to completion. */
export function runDeno(
  args: string[],
  options: RunOptions = {},
): Promise<ChildResult> {
  return runCommand("deno", args, options);
}

/**
 * Starts `deno run` of `script` with read and write on `vault` alone (the
 * engine's least privilege), `args` after the script, stdout and stderr
 * piped: a child to kill mid-operation.
 */
export function spawnVaultChild(
  script: string,
  vault: string,
  args: string[],
): Deno.ChildProcess {
  return new Deno.Command("deno", {
    args: [
      "run",
      `--allow-read=${vault}`,
      `--allow-write=${vault}`,
      script,
      vault,
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
}

/** Runs `command` to completion, feeding it `options.stdin`. */
export async function runCommand(
  command: string,
  args: string[],
  options: RunOptions = {},
): Promise<ChildResult> {
  const child = new Deno.Command(command, {
    args,
    cwd: options.cwd,
    clearEnv: options.clearEnv,
    env: { NO_COLOR: "1", ...options.env },
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    const stdin = options.stdin;
    try {
      await writer.write(
        typeof stdin === "string" ? new TextEncoder().encode(stdin) : stdin,
      );
      await writer.close();
    } catch (error) {
      // A child that exits without reading its input closes the pipe.
      if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
    }
  }
  const { code, stdout, stderr } = await child.output();
  const decoder = new TextDecoder();
  return {
    code,
    stdout: decoder.decode(stdout),
    stderr: decoder.decode(stderr),
  };
}

/** Reads `stream` until `word` appears in it, then stops reading. */
export async function readUntil(
  stream: ReadableStream<Uint8Array>,
  word: string,
): Promise<string> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes(word)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  await reader.cancel();
  return text;
}

/** The JSON line `tests/process/probe_child.ts` printed last. */
export interface ProbeResult {
  ok?: boolean;
  info?: { factors: string[] };
  error?: string;
  engine?: boolean;
  code?: string | null;
  flag?: string | null;
  message?: string | null;
}

/** Runs `probe_child.ts` on `vault` with `flags`, returning what it printed. */
export async function runProbe(
  flags: string[],
  vault: string,
  step: "open" | "info" | "write-loop",
): Promise<ProbeResult> {
  const child = new URL("./process/probe_child.ts", import.meta.url).pathname;
  const result = await runDeno([
    "run",
    "--no-prompt",
    ...flags,
    child,
    vault,
    step,
  ]);
  const last = result.stdout.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(last);
  } catch {
    throw new Error(
      `probe printed no result: ${result.stdout}${result.stderr}`,
    );
  }
}

/** Whether this run may mount a tmpfs: it runs as root with mount and umount. */
export const canMount: boolean = canChown && canRun("mount") &&
  canRun("umount");

async function mountCommand(...args: string[]): Promise<void> {
  const done = await new Deno.Command(args[0], { args: args.slice(1) })
    .output();
  if (!done.success) throw new Error(new TextDecoder().decode(done.stderr));
}

/**
 * A small tmpfs mounted at `path` (made if missing), unmounted when
 * disposed; `readOnly()` remounts it read-only, as read-only media are.
 */
export async function tmpfs(
  path: string,
): Promise<AsyncDisposable & { readOnly(): Promise<void> }> {
  await Deno.mkdir(path, { recursive: true });
  await mountCommand("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", path);
  return {
    readOnly: () => mountCommand("mount", "-o", "remount,ro", path),
    [Symbol.asyncDispose]: () => mountCommand("umount", "-l", path),
  };
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** How many earlier versions the vault in `dir` keeps, by raw SQL. */
export function historyRows(dir: string): number {
  return rawSql(
    dir,
    (db) => Number(db.prepare("SELECT count(*) AS n FROM history").get()?.n),
  );
}

/** Waits until `check` holds, polling, for up to `ms`; whether it did. */
export async function until(
  check: () => Promise<boolean>,
  ms = 8000,
): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end;) {
    if (await check()) return true;
    await sleep(50);
  }
  return false;
}
