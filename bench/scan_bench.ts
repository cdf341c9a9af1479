/**
 * `secrets scan` beside `secretlint` (its recommended preset) over one
 * generated tree: source files, minified JavaScript, logs and base64 blobs,
 * among which the bench plants a known set of the vault's values, raw and
 * encoded, each on a line of its own. For each tool: the time, the peak
 * memory, how many planted values it found (recall), and how many findings
 * are not planted values (false positives).
 *
 *     deno task bench:scan [MB] [SECRETS]
 *
 * Defaults: a 100 MB tree and 1,000 secrets. Needs the npm registry (for
 * secretlint, installed pinned into a temporary directory), `node` and GNU
 * `time`.
 *
 * @module
 */

import { join, relative } from "node:path";
import { SecretsEngine } from "../mod.ts";
import { encodeBase64 } from "../src/base64.ts";

const MEGABYTES = Number(Deno.args[0] ?? 100);
const SECRETS = Number(Deno.args[1] ?? 1000);
const PLANTS = 400;
const FILE_BYTES = 1 << 20;
const SECRETLINT = "secretlint@9.3.4";
const PRESET = "@secretlint/secretlint-rule-preset-recommend@9.3.4";
const CLI = new URL("../src/cli/main.ts", import.meta.url).pathname;
const ALPHANUMERIC =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A deterministic generator, so runs compare. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return state / 2 ** 32;
  };
}
const rand = random(2026);
const pick = <T>(list: readonly T[]): T =>
  list[Math.floor(rand() * list.length)];
const chars = (length: number, from = ALPHANUMERIC) =>
  Array.from({ length }, () => pick([...from])).join("");

/** Secrets as people hold them: some with a provider's shape, some not. */
function secretValue(i: number): string {
  switch (i % 4) {
    case 0:
      return `sk_live_${chars(24)}`;
    case 1:
      return `ghp_${chars(36)}`;
    case 2:
      return `${chars(20)}/${chars(19)}`;
    default:
      return `${chars(6)}!${chars(5, "0123456789")}#`;
  }
}

/** A value in one of the forms it leaks in. */
function planted(value: string): string {
  const bytes = new TextEncoder().encode(value);
  switch (Math.floor(rand() * 5)) {
    case 0:
      return `const key = "${value}";`;
    case 1:
      return `  token: ${encodeBase64(bytes)}`;
    case 2:
      return `GET /hook?sig=${encodeURIComponent(value)} 200`;
    case 3:
      return `{"level":"info","secret":${JSON.stringify(value)}}`;
    default:
      return `hex=${
        Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")
      }`;
  }
}

/** One file's worth of realistic noise, as lines. */
function noise(kind: number): string[] {
  const lines: string[] = [];
  for (let size = 0; size < FILE_BYTES;) {
    const line = kind === 0
      ? `  const ${chars(8)} = await fetch(\`/api/${chars(6)}\`); // ${
        chars(20)
      }`
      : kind === 1
      ? `!function(e){var t=${chars(200, "abcdefghij();{}=+.,")}}(window);`
      : kind === 2
      ? `2026-11-26T12:00:${chars(2, "012345")}Z INFO req=${
        chars(32, "0123456789abcdef")
      } path=/v1/${chars(10)} 200`
      : encodeBase64(
        Uint8Array.from({ length: 96 }, () => Math.floor(rand() * 256)),
      );
    lines.push(line);
    size += line.length + 1;
  }
  return lines;
}

interface Run {
  seconds: number;
  peakMiB: number;
  stdout: string;
}

async function timed(
  command: string,
  args: string[],
  cwd?: string,
): Promise<Run> {
  const start = performance.now();
  const { stdout, stderr } = await new Deno.Command("/usr/bin/time", {
    args: ["-f", "%M", command, ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const seconds = (performance.now() - start) / 1000;
  const lines = new TextDecoder().decode(stderr).trim().split("\n");
  return {
    seconds,
    peakMiB: Number(lines[lines.length - 1]) / 1024,
    stdout: new TextDecoder().decode(stdout),
  };
}

function score(found: Set<string>, plants: Set<string>): string {
  const hits = [...found].filter((place) => plants.has(place)).length;
  return `recall ${hits}/${plants.size}, false positives ${found.size - hits}`;
}

const dir = await Deno.makeTempDir({ prefix: "secrets-scan-bench-" });
try {
  const vault = join(dir, "vault");
  const tree = join(dir, "tree");
  const values = Array.from({ length: SECRETS }, (_, i) => secretValue(i));
  {
    await using engine = await SecretsEngine.open({ path: vault });
    await engine.setMany(
      values.map((value, i) => [`app.secret${i}`, value] as const),
    );
  }
  const files = Math.max(1, Math.round(MEGABYTES * 1e6 / FILE_BYTES));
  const contents: string[][] = Array.from(
    { length: files },
    (_, i) => noise(i % 4),
  );
  const plants = new Set<string>();
  const plantedLines = new Set<string>();
  for (let p = 0; p < PLANTS; p++) {
    const file = Math.floor(rand() * files);
    const at = Math.floor(rand() * contents[file].length);
    const line = planted(pick(values));
    plantedLines.add(line);
    contents[file].splice(at, 0, line);
  }
  await Deno.mkdir(tree);
  const extensions = [".js", ".min.js", ".log", ".b64"];
  for (const [file, lines] of contents.entries()) {
    const name = `file${file}${extensions[file % 4]}`;
    lines.forEach((line, i) => {
      if (plantedLines.has(line)) plants.add(`${name}:${i + 1}`);
    });
    await Deno.writeTextFile(join(tree, name), lines.join("\n") + "\n");
  }
  const bytes = contents.reduce(
    (sum, lines) => sum + lines.reduce((n, l) => n + l.length + 1, 0),
    0,
  );

  const ours = await timed("deno", [
    "run",
    `--allow-read=${dir}`,
    `--allow-write=${vault}`,
    CLI,
    "--path",
    vault,
    "scan",
    "--json",
    tree,
  ]);
  const ourFound = new Set<string>(
    JSON.parse(ours.stdout).map((f: { path: string; line: number }) =>
      `${relative(tree, f.path)}:${f.line}`
    ),
  );

  const tools = join(dir, "tools");
  await new Deno.Command("npm", {
    args: ["install", "--silent", "--prefix", tools, SECRETLINT, PRESET],
    stdout: "null",
    stderr: "null",
  }).output();
  await Deno.writeTextFile(
    join(tree, "..", ".secretlintrc.json"),
    JSON.stringify({
      rules: [{ id: "@secretlint/secretlint-rule-preset-recommend" }],
    }),
  );
  // Node cuts a large report piped to stdout short: it goes to a file.
  const report = join(dir, "secretlint.json");
  const theirs = await timed(
    join(tools, "node_modules", ".bin", "secretlint"),
    [
      "--format",
      "json",
      "--output",
      report,
      "--secretlintrc",
      join(dir, ".secretlintrc.json"),
      `${tree}/**/*`,
    ],
    dir,
  );
  const theirFound = new Set<string>();
  const reported = await Deno.readTextFile(report).catch(() => "[]");
  for (const result of JSON.parse(reported || "[]")) {
    for (const message of result.messages ?? []) {
      theirFound.add(
        `${relative(tree, result.filePath)}:${message.loc.start.line}`,
      );
    }
  }

  const mb = bytes / 1e6;
  console.log(
    `${
      mb.toFixed(0)
    } MB in ${files} files, ${SECRETS} secrets, ${plants.size} planted lines`,
  );
  for (
    const [name, run, found] of [
      ["secrets scan", ours, ourFound],
      [SECRETLINT, theirs, theirFound],
    ] as const
  ) {
    console.log(
      `${name.padEnd(18)} ${run.seconds.toFixed(1)} s (${
        (mb / run.seconds).toFixed(0)
      } MB/s), ${run.peakMiB.toFixed(0)} MiB peak, ${score(found, plants)}`,
    );
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
