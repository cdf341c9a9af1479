/**
 * `meta`, `status`, and the annotation flags of `set`, `list` and `run`:
 * in-process, with `run` and the exit codes through a real `deno run`.
 *
 * @module
 */

import { join } from "node:path";
import { assert, assertEquals, assertFalse } from "../../_assert.ts";
import { tempDir } from "../../_helpers.ts";
import { cli, cliTest } from "../_cli.ts";

Deno.test("set takes a note, tags and a rotation period; meta prints and changes them without a new version", async () => {
  await using dir = await tempDir();
  const vault = join(dir.path, "vault");
  const set = await cli(vault, [
    "set",
    "stripe.key",
    "--note",
    "Dashboard > API keys\nrotate with the team",
    "--tag",
    "prod",
    "--tag",
    "stripe",
    "--rotate-every",
    "90d",
  ], { stdin: "sk_live_1" });
  assertEquals(set.code, 0, set.stderr);
  const shown = await cli(vault, ["meta", "stripe.key"]);
  assertEquals(shown.code, 0, shown.stderr);
  assert(shown.stdout.includes("note: Dashboard > API keys\n"), shown.stdout);
  assert(shown.stdout.includes("tags: prod, stripe"), shown.stdout);
  assert(shown.stdout.includes("rotate every: 90d"), shown.stdout);
  const changed = await cli(vault, [
    "meta",
    "stripe.key",
    "--untag",
    "stripe",
    "--tag",
    "live",
    "--no-note",
  ]);
  assertEquals(changed.code, 0, changed.stderr);
  const again = await cli(vault, ["meta", "stripe.key"]);
  assert(again.stdout.includes("note: -\ntags: live, prod\n"), again.stdout);
  const history = await cli(vault, ["history", "stripe.key"]);
  assertEquals(history.stdout.trim().split("\n").length, 2, history.stdout);
  const tagged = await cli(vault, ["list", "--tag", "live"]);
  assertEquals(tagged.stdout, "stripe.key\n");
  const long = await cli(vault, ["list", "--long"]);
  assert(long.stdout.includes("ROTATE BY"), long.stdout);
  assert(long.stdout.includes("live,prod"), long.stdout);
});

Deno.test("bad annotation input is a clear error and writes nothing", async () => {
  await using dir = await tempDir();
  const vault = join(dir.path, "vault");
  assertEquals((await cli(vault, ["set", "k"], { stdin: "v" })).code, 0);
  const cases: [string[], number, RegExp][] = [
    [["set", "k", "--rotate-every", "-5d"], 2, /--rotate-every needs a value/],
    [["set", "k", "--rotate-every=-5d"], 2, /--rotate-every -5d: give/],
    [["set", "k", "--rotate-every", "99999999999w"], 2, /--rotate-every/],
    [["meta", "k", "--rotate-every", "1000000w"], 2, /at most 100 years/],
    [["meta", "k", "--note", "n".repeat(1 << 20)], 1, /4096/],
    [["meta", "k", ...Array(10_000).fill(["--tag", "t"]).flat()], 0, /^$/],
    [
      [
        "meta",
        "k",
        ...Array.from({ length: 40 }, (_, i) => ["--tag", `t${i}`]).flat(),
      ],
      1,
      /at most 32 tags/,
    ],
    [["meta", "k", "--tag", "has space"], 1, /a tag is/],
    [["meta", "k", "--note", "n", "--no-note"], 2, /exclude/],
    [["meta", "missing", "--note", "n"], 1, /no secret/],
  ];
  for (const [args, code, message] of cases) {
    const result = await cli(vault, args);
    assertEquals(result.code, code, `${args.slice(0, 3)}: ${result.stderr}`);
    assert(message.test(result.stderr), result.stderr);
    assertFalse(result.stderr.includes("    at "), result.stderr);
  }
  // Ten thousand times the same tag is one tag.
  const shown = await cli(vault, ["meta", "k"]);
  assert(shown.stdout.includes("tags: t\n"), shown.stdout);
  assert(shown.stdout.includes("rotate every: -"), shown.stdout);
});

Deno.test("status: exit 0 when nothing needs attention, 1 when something does, 2 for a bad window; --json for tools", async () => {
  await using dir = await tempDir();
  const vault = join(dir.path, "vault");
  assertEquals((await cli(vault, ["set", "plain"], { stdin: "p" })).code, 0);
  const clean = await cli(vault, ["status"]);
  assertEquals([clean.code, clean.stdout], [0, ""], clean.stderr);
  assertEquals(
    (await cli(vault, ["set", "cert", "--ttl", "10d", "--note", "renew it"], {
      stdin: "c",
    })).code,
    0,
  );
  const week = await cli(vault, ["status", "--within", "7d"]);
  assertEquals(week.code, 0, week.stderr);
  const listed = await cli(vault, ["status"]);
  assertEquals(listed.code, 1, listed.stderr);
  assert(/^cert +expiring +\S+ +renew it$/m.test(listed.stdout), listed.stdout);
  const json = await cli(vault, ["status", "--json"]);
  assertEquals(json.code, 1);
  const [entry] = JSON.parse(json.stdout);
  assertEquals([entry.name, entry.state, entry.note], [
    "cert",
    "expiring",
    "renew it",
  ]);
  const bad = await cli(vault, ["status", "--within", "soon"]);
  assertEquals(bad.code, 2, bad.stderr);
  const far = await cli(vault, ["status", "--within", "1000000w"]);
  assertEquals(far.code, 2, far.stderr);
  assert(
    far.stderr.includes("--within 1000000w: at most 100 years"),
    far.stderr,
  );
});

cliTest(
  "run --only-tag injects the tagged secrets, and names one expiring within a week on stderr unless --quiet",
  async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    for (
      const [name, flags] of [
        ["api.token", ["--tag", "ci", "--ttl", "3d"]],
        ["other.token", []],
      ] as const
    ) {
      const set = await cli(vault, ["set", name, ...flags], { stdin: "v-1" });
      assertEquals(set.code, 0, set.stderr);
    }
    const flags = ["--allow-run=sh", "--allow-env=PATH"];
    const program = [
      "--",
      "sh",
      "-c",
      'echo "${API_TOKEN:-}|${OTHER_TOKEN:-}"',
    ];
    const ran = await cli(vault, ["run", "--only-tag", "ci", ...program], {
      flags,
    });
    assertEquals(ran.code, 0, ran.stderr);
    assertEquals(ran.stdout, "v-1|\n");
    assert(/api\.token \(expiring /.test(ran.stderr), ran.stderr);
    const quiet = await cli(vault, [
      "run",
      "--quiet",
      "--only-tag",
      "ci",
      ...program,
    ], { flags });
    assertEquals([quiet.code, quiet.stderr], [0, ""]);
    const none = await cli(vault, ["run", "--only-tag", "nope", ...program], {
      flags,
    });
    assertEquals(none.code, 1);
    assert(none.stderr.includes("the tag nope matches no secret"), none.stderr);
  },
);
