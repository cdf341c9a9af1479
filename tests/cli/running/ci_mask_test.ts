/**
 * Masks for GitHub Actions: under `GITHUB_ACTIONS=true`, `secrets run`
 * writes an `::add-mask::` line for each value it hands over, and for each
 * encoded form of it, before the program starts; a program that prints a
 * secret raw, base64, hex, percent-encoded and JSON-escaped prints nothing
 * the masks do not cover; `get` keeps its standard output clean;
 * `--no-ci-mask`, or another CI, writes none.
 *
 * @module
 */

import { join } from "node:path";
import { assert, assertEquals, assertMatch } from "../../_assert.ts";
import { runCommand, tempDir } from "../../_helpers.ts";
import { cli, cliArgs } from "../_cli.ts";
import { maskLines } from "../../../src/cli/running/ci_mask.ts";

const VALUE = 'p@ss w"rd/é+=~multi\nsecond line';
const PRINT_FORMS = [
  "import os, base64, json, urllib.parse",
  'v = os.environ["API_TOKEN"]',
  "print(v)",
  "print(base64.b64encode(v.encode()).decode())",
  "print(v.encode().hex())",
  'print(urllib.parse.quote(v, safe=""))',
  "print(json.dumps(v)[1:-1])",
].join("\n");

/** `secrets run` under GitHub Actions, its stdout and stderr as one log. */
async function runLogged(vault: string, extra: string[]): Promise<string> {
  const args = cliArgs(vault, [
    "run",
    ...extra,
    "--only",
    "api.token",
    "--",
    "python3",
    "-c",
    PRINT_FORMS,
  ], ["--allow-run=python3", "--allow-env"]);
  const quoted = ["deno", ...args].map((a) =>
    `'${a.replaceAll("'", "'\\''")}'`
  );
  const ran = await runCommand("sh", ["-c", `${quoted.join(" ")} 2>&1`], {
    env: { GITHUB_ACTIONS: "true", PATH: "/usr/bin:/bin" },
  });
  assertEquals(ran.code, 0, ran.stdout + ran.stderr);
  return ran.stdout;
}

Deno.test("under GitHub Actions, run writes a mask for each form of a value before the program prints any", async () => {
  await using dir = await tempDir();
  const vault = join(dir.path, "vault");
  await cli(vault, ["set", "api.token"], { stdin: VALUE });
  const log = (await runLogged(vault, [])).split("\n").filter(Boolean);
  const masks = log.filter((l) => l.startsWith("::add-mask::"))
    .map((l) => l.slice("::add-mask::".length).replaceAll("%25", "%"));
  const printed = log.filter((l) => !l.startsWith("::add-mask::"));
  const firstPrinted = log.findIndex((l) => !l.startsWith("::add-mask::"));
  assert(
    masks.length > 0 && log.slice(0, firstPrinted).length === masks.length,
  );
  assertEquals(printed.length, 6, printed.join("\n"));
  for (const line of printed) {
    let hidden = line;
    for (const mask of masks.toSorted((a, b) => b.length - a.length)) {
      hidden = hidden.replaceAll(mask, "***");
    }
    // What no mask covers: at most a base64 tail that depends on bytes
    // beyond the value, and padding.
    assert(hidden.replaceAll("***", "").length <= 4, `${line} shows ${hidden}`);
  }
});

Deno.test("--no-ci-mask writes no mask; get writes its masks to stderr, its value alone to stdout", async () => {
  await using dir = await tempDir();
  const vault = join(dir.path, "vault");
  await cli(vault, ["set", "api.token"], { stdin: "sk-live-123456" });
  const off = await runLogged(vault, ["--no-ci-mask"]);
  assert(!off.includes("::add-mask::"), off);
  const got = await runCommand("deno", [
    ...cliArgs(vault, ["get", "api.token"], ["--allow-env"]),
  ], { env: { GITHUB_ACTIONS: "true" } });
  assertEquals(got.stdout, "sk-live-123456");
  assertMatch(got.stderr, /^::add-mask::sk-live-123456$/m);
  for (const line of got.stderr.split("\n").filter(Boolean)) {
    assertMatch(line, /^::add-mask::/);
  }
});

Deno.test("mask lines hold each line of a multi-line value and its encoded forms, each once", () => {
  const lines = maskLines([VALUE, VALUE]);
  assert(lines.includes('p@ss w"rd/é+=~multi'));
  assert(lines.includes("second line"));
  assert(lines.includes(encodeURIComponent(VALUE)));
  assertEquals(new Set(lines).size, lines.length);
  assert(lines.every((line) => !line.includes("\n")));
});
