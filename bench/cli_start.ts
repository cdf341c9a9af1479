/**
 * How long a `secrets` command takes as a whole process, beside its
 * yardsticks, measured in turns in one run: `secrets get NAME` and
 * `secrets run -- true` on a keyfile-only vault of 20 secrets, a bare
 * `deno run` of a one-line script (and of one that only imports
 * `node:crypto`, the floor under any command), and `pass show NAME` (the Unix password
 * store, gpg-agent warm) in a throwaway GNUPGHOME. Prints the median wall
 * time and peak memory of each, and the ratios the README reports.
 *
 *     deno task bench:cli
 *
 * Needs Debian's `pass` (and `gpg`) and GNU `time`; without `pass`, its row
 * is left out.
 *
 * @module
 */

import { join } from "node:path";
import { SecretsEngine } from "../mod.ts";

const RUNS = Number(Deno.args[0] ?? 21);
const SECRETS = 20;
const REPOSITORY = new URL("..", import.meta.url).pathname;
const CLI = join(REPOSITORY, "src/cli/main.ts");
const CONFIG = join(REPOSITORY, "deno.json");

interface Sample {
  wallMs: number;
  peakKiB: number;
}

/** Runs `argv` under GNU time, returning its wall time and peak RSS. */
async function sample(
  argv: string[],
  env: Record<string, string>,
): Promise<Sample> {
  const start = performance.now();
  const { code, stderr } = await new Deno.Command("/usr/bin/time", {
    args: ["-f", "%M", ...argv],
    env,
    stdout: "null",
    stderr: "piped",
  }).output();
  const wallMs = performance.now() - start;
  const lines = new TextDecoder().decode(stderr).trim().split("\n");
  if (code !== 0) throw new Error(`${argv.join(" ")}: ${lines.join("\n")}`);
  return { wallMs, peakKiB: Number(lines[lines.length - 1]) };
}

function median(values: number[]): number {
  const sorted = values.toSorted((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function run(command: string, args: string[], env = {}): Promise<void> {
  const { code, stderr } = await new Deno.Command(command, {
    args,
    env,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(`${command}: ${new TextDecoder().decode(stderr)}`);
  }
}

/** A password store holding `name`, in a throwaway GNUPGHOME; null without `pass`. */
async function passStore(
  dir: string,
  name: string,
): Promise<Record<string, string> | null> {
  const env = {
    GNUPGHOME: join(dir, "gnupg"),
    PASSWORD_STORE_DIR: join(dir, "store"),
  };
  try {
    await Deno.mkdir(env.GNUPGHOME, { mode: 0o700 });
    await run("gpg", [
      "--batch",
      "--passphrase",
      "",
      "--quick-gen-key",
      "bench <bench@example.invalid>",
      "default",
      "default",
      "never",
    ], env);
    await run("pass", ["init", "bench@example.invalid"], env);
    const insert = new Deno.Command("pass", {
      args: ["insert", "-e", name],
      env,
      stdin: "piped",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const writer = insert.stdin.getWriter();
    await writer.write(new TextEncoder().encode("value-1\n"));
    await writer.close();
    if (!(await insert.status).success) return null;
    return env;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

const dir = await Deno.makeTempDir({ prefix: "secrets-cli-bench-" });
try {
  const vault = join(dir, "vault");
  {
    await using engine = await SecretsEngine.open({ path: vault });
    await engine.setMany(
      Array.from(
        { length: SECRETS },
        (_, i) => [`svc${i + 1}.token`, `value-${i + 1}`] as const,
      ),
    );
  }
  const hello = join(dir, "hello.ts");
  await Deno.writeTextFile(hello, 'console.log("hello");\n');
  // The floor under any command: the engine's cryptography is node:crypto,
  // whose import alone costs about one bare start.
  const cryptoOnly = join(dir, "crypto_only.ts");
  await Deno.writeTextFile(cryptoOnly, 'import "node:crypto";\n');
  const secrets = [
    Deno.execPath(),
    "run",
    "--no-prompt",
    `--allow-read=${vault}`,
    `--allow-write=${vault}`,
    "--config",
    CONFIG,
  ];
  const pass = await passStore(dir, "svc1.token");
  const commands: Record<string, [string[], Record<string, string>]> = {
    "secrets get NAME": [[
      ...secrets,
      CLI,
      "--path",
      vault,
      "get",
      "svc1.token",
    ], {}],
    "secrets run -- true": [[
      ...secrets.slice(0, -2),
      "--allow-run=true",
      "--allow-env=PATH",
      "--config",
      CONFIG,
      CLI,
      "--path",
      vault,
      "run",
      "--only",
      "svc1.*",
      "--",
      "true",
    ], { PATH: "/usr/bin:/bin" }],
    "deno run (one line)": [[Deno.execPath(), "run", hello], {}],
    "deno run (node:crypto)": [[Deno.execPath(), "run", cryptoOnly], {}],
    ...(pass
      ? { "pass show NAME": [["pass", "show", "svc1.token"], pass] }
      : {}),
  };
  const samples = new Map<string, Sample[]>();
  // A warm-up round, then the commands in turns, so drift hits them alike.
  for (let round = 0; round <= RUNS; round++) {
    for (const [label, [argv, env]] of Object.entries(commands)) {
      const taken = await sample(argv, env);
      if (round > 0) samples.set(label, [...samples.get(label) ?? [], taken]);
    }
  }
  const wall = (label: string) =>
    median((samples.get(label) ?? []).map((s) => s.wallMs));
  console.log(
    `CLI start, ${RUNS} runs each in turns, ${Deno.build.target}, Deno ${Deno.version.deno}`,
  );
  for (const [label, taken] of samples) {
    const peak = median(taken.map((s) => s.peakKiB)) / 1024;
    console.log(
      `${label.padEnd(22)} ${wall(label).toFixed(1).padStart(7)} ms  ${
        peak.toFixed(1).padStart(6)
      } MiB peak`,
    );
  }
  const bare = wall("deno run (one line)");
  for (const label of ["secrets get NAME", "secrets run -- true"]) {
    const ratios = [`${(wall(label) / bare).toFixed(2)}× deno run`];
    if (pass) {
      ratios.push(`${(wall(label) / wall("pass show NAME")).toFixed(2)}× pass`);
    }
    console.log(`${label.padEnd(22)} ${ratios.join(", ")}`);
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
