/**
 * `history`, `revert`, `purge-expired`, and the flags of `set`, `get` and
 * `list` for bytes, versions and expiry, through a real `deno run`.
 *
 * @module
 */

import { join } from "node:path";
import { assert, assertEquals, assertFalse } from "../../_assert.ts";
import { canRun, canSpawn, runCommand, tempDir } from "../../_helpers.ts";
import {
  atTerminal,
  cli,
  cliArgs,
  cliSpawned,
  cliTest,
  untilExpired,
} from "../_cli.ts";

const STACK = /\n\s+at /;

cliTest(
  "history lists versions, get --version reads one, revert restores one",
  async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    for (const value of ["good", "typo"]) {
      assertEquals(
        (await cli(vault, ["set", "db.pw"], { stdin: value })).code,
        0,
      );
    }
    const listed = await cli(vault, ["history", "db.pw"]);
    assertEquals(listed.code, 0, listed.stderr);
    const lines = listed.stdout.trim().split("\n");
    assertEquals(lines.length, 3);
    assert(/^VERSION\s+KIND\s+UPDATED\s+EXPIRES/.test(lines[0]), lines[0]);
    assert(/^2\s+text\s+\d{4}-.*Z\s+-\s+current$/.test(lines[1]), lines[1]);
    assert(/^1\s+text/.test(lines[2]), lines[2]);
    assertFalse(listed.stdout.includes("good"), "history printed a value");
    assertEquals(
      (await cli(vault, ["get", "db.pw", "--version", "1"])).stdout,
      "good",
    );
    const reverted = await cli(vault, ["revert", "db.pw", "1"]);
    assertEquals(reverted.code, 0, reverted.stderr);
    assert(
      reverted.stderr.includes("version 3 now holds the value of version 1"),
    );
    assertEquals((await cli(vault, ["get", "db.pw"])).stdout, "good");
  },
);

cliTest(
  "bad version numbers and unknown versions are plain errors that change nothing",
  async (t) => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    await cli(vault, ["set", "k"], { stdin: "v1" });
    const cases: [string[], number, RegExp][] = [
      [["get", "k", "--version", "0"], 2, /give a version number from 1/],
      [["get", "k", "--version", "x"], 2, /give a version number from 1/],
      [["get", "k", "--version", "7"], 1, /no version 7/],
      [["revert", "k", "--", "-1"], 2, /not a version number/],
      [["revert", "k", "1.5"], 2, /not a version number/],
      [["revert", "k", "9"], 1, /no version 9 of that secret is kept/],
      [["revert", "nope", "1"], 1, /no secret/],
      [["history", "nope"], 1, /no secret with that name/],
    ];
    for (const [args, code, message] of cases) {
      await t.step(args.join(" "), async () => {
        const result = await cli(vault, args);
        assertEquals(result.code, code, result.stderr);
        assert(message.test(result.stderr), result.stderr);
        assertFalse(STACK.test(result.stderr), "a stack trace");
      });
    }
    assertEquals(
      (await cli(vault, ["history", "k"])).stdout.trim().split("\n").length,
      2,
    );
  },
);

cliTest(
  "set --file stores bytes; get pipes them or writes --out with mode 0600, refusing to overwrite",
  async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    const input = join(dir.path, "key.der");
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff);
    await Deno.writeFile(input, bytes);
    const missing = await cliSpawned(vault, [
      "set",
      "tls.key",
      "--file",
      input,
    ]);
    assertEquals(missing.code, 1);
    assert(missing.stderr.includes(`--allow-read=${input}`), missing.stderr);
    const stored = await cli(vault, ["set", "tls.key", "--file", input], {
      flags: [`--allow-read=${input}`],
    });
    assertEquals(stored.code, 0, stored.stderr);
    const out = join(dir.path, "out.der");
    const flags = [`--allow-read=${dir.path}`, `--allow-write=${dir.path}`];
    const written = await cli(vault, ["get", "tls.key", "--out", out], {
      flags,
    });
    assertEquals(written.code, 0, written.stderr);
    assertEquals(await Deno.readFile(out), bytes);
    assertEquals(((await Deno.stat(out)).mode ?? 0) & 0o777, 0o600);
    const again = await cli(vault, ["get", "tls.key", "--out", out], { flags });
    assertEquals(again.code, 1);
    assert(again.stderr.includes("pass --force"), again.stderr);
    await Deno.writeFile(out, new Uint8Array([1]));
    const forced = await cli(
      vault,
      ["get", "tls.key", "--out", out, "--force"],
      {
        flags,
      },
    );
    assertEquals(forced.code, 0, forced.stderr);
    assertEquals(await Deno.readFile(out), bytes);
    // Through a shell pipe, byte for byte.
    const piped = join(dir.path, "piped.der");
    const shell = await runCommand("sh", [
      "-c",
      `deno ${cliArgs(vault, ["get", "tls.key"]).join(" ")} > '${piped}'`,
    ]);
    assertEquals(shell.code, 0, shell.stderr);
    assertEquals(await Deno.readFile(piped), bytes);
    const listed = await cli(vault, ["list", "--long"]);
    assert(/tls\.key\s+bytes\s+\S+\s+-\s+1/.test(listed.stdout), listed.stdout);
  },
);

cliTest(
  "set --file - reads bytes from stdin; text that is not UTF-8 on stdin points to it",
  async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    const bytes = new Uint8Array([0xff, 0xfe, 0, 1]);
    const refused = await cli(vault, ["set", "bin"], { stdin: bytes });
    assertEquals(refused.code, 1);
    assert(refused.stderr.includes("--file -"), refused.stderr);
    const stored = await cli(vault, ["set", "bin", "--file", "-"], {
      stdin: bytes,
    });
    assertEquals(stored.code, 0, stored.stderr);
    const both = await cli(vault, [
      "set",
      "bin",
      "--file",
      "-",
      "--value",
      "x",
    ]);
    assertEquals(both.code, 2);
    const listed = await cli(vault, ["list", "--long"]);
    assert(/bin\s+bytes/.test(listed.stdout), listed.stdout);
  },
);

Deno.test({
  name: "get of a bytes secret at a terminal is refused with a hint",
  ignore: !canSpawn || !canRun("python3"),
}, async () => {
  await using dir = await tempDir();
  const vault = join(dir.path, "vault");
  await cli(vault, ["set", "bin", "--file", "-", "--bytes"], {
    stdin: new Uint8Array([0x1b, 0x5d, 0x30, 0x3b]),
  });
  const result = await atTerminal([], [
    "deno",
    ...cliArgs(vault, ["get", "bin"]),
  ]);
  assertEquals(result.code, 1, result.output);
  assert(result.output.includes("--out FILE"), result.output);
  assertFalse(
    result.output.includes("\x1b]0;"),
    "raw bytes reached the terminal",
  );
});

cliTest(
  "--ttl and --expires set an expiry; expired secrets are hidden, listed with --expired, and purged",
  async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    const later = await cli(
      vault,
      ["set", "later", "--expires", "2999-01-31"],
      {
        stdin: "l",
      },
    );
    assertEquals(later.code, 0, later.stderr);
    assert(later.stderr.includes("expires 2999-01-31T00:00:00Z"), later.stderr);
    await cli(vault, ["set", "soon", "--ttl", "1s"], { stdin: "s" });
    await cli(vault, ["set", "forever"], { stdin: "f" });
    await untilExpired(vault, "soon");
    assertEquals((await cli(vault, ["list"])).stdout, "forever\nlater\n");
    assertEquals((await cli(vault, ["list", "--expired"])).stdout, "soon\n");
    const expired = await cli(vault, ["get", "soon"]);
    assertEquals(expired.code, 1);
    assert(
      /expired at .*revert NAME 1 --ttl/.test(expired.stderr),
      expired.stderr,
    );
    const stale = await cli(vault, ["revert", "soon", "1"]);
    assertEquals(stale.code, 1);
    assert(stale.stderr.includes("give --ttl or --expires"), stale.stderr);
    assertEquals((await cli(vault, ["has", "soon"])).code, 1);
    const exported = await cli(vault, ["export", "--format", "json"]);
    assertEquals(Object.keys(JSON.parse(exported.stdout)), [
      "forever",
      "later",
    ]);
    const purged = await cli(vault, ["purge-expired"]);
    assertEquals(purged.code, 0, purged.stderr);
    assert(purged.stderr.includes("purged 1 expired secret"), purged.stderr);
    assertEquals((await cli(vault, ["list", "--expired"])).stdout, "");
    assertEquals((await cli(vault, ["history", "soon"])).code, 1);
  },
);

cliTest(
  "bad --ttl and --expires are usage errors and store nothing",
  async (t) => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    const cases = [
      ["--ttl", "0d"],
      ["--ttl", "30"],
      ["--ttl", "-5m"],
      ["--ttl", "1y"],
      ["--expires", "2020-01-01"],
      ["--expires", "2027-13-45"],
      ["--expires", "tomorrow"],
      ["--expires", "2999-01-31T10:00"],
      ["--ttl", "1d", "--expires", "2999-01-01"],
    ];
    for (const flags of cases) {
      await t.step(flags.join(" "), async () => {
        const result = await cli(vault, ["set", "k", ...flags], { stdin: "v" });
        assertEquals(result.code, 2, result.stderr);
        assertFalse(STACK.test(result.stderr), "a stack trace");
      });
    }
    assertEquals((await cli(vault, ["list"])).stdout, "");
  },
);

cliTest(
  "run leaves out bytes and expired secrets, and refuses a bytes secret --only names",
  async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    await cli(vault, ["set", "text.value"], { stdin: "t" });
    await cli(vault, ["set", "bin.value", "--file", "-", "--bytes"], {
      stdin: new Uint8Array([0, 1, 2]),
    });
    await cli(vault, ["set", "old.value", "--ttl", "1s"], { stdin: "o" });
    await untilExpired(vault, "old.value");
    const flags = ["--allow-run=sh"];
    const all = await cli(vault, ["run", "--", "sh", "-c", "env"], { flags });
    assertEquals(all.code, 0, all.stderr);
    assert(all.stdout.includes("TEXT_VALUE=t"), all.stdout);
    assertFalse(all.stdout.includes("BIN_VALUE"), all.stdout);
    assertFalse(all.stdout.includes("OLD_VALUE"), all.stdout);
    assert(all.stderr.includes('skipped "bin.value"'), all.stderr);
    const named = await cli(vault, [
      "run",
      "--only",
      "bin.value",
      "--",
      "sh",
      "-c",
      "env",
    ], { flags });
    assertEquals(named.code, 1, named.stderr);
    assert(named.stderr.includes("cannot hold"), named.stderr);
  },
);

cliTest(
  "history-limit shows the limit, sets it and prunes at once; bad limits change nothing",
  async (t) => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    for (const value of ["1", "2", "3", "4"]) {
      await cli(vault, ["set", "k"], { stdin: value });
    }
    assertEquals((await cli(vault, ["history-limit"])).stdout, "10\n");
    for (const bad of ["-1", "1001", "x", "1.5", "01"]) {
      await t.step(bad, async () => {
        const result = await cli(vault, ["history-limit", "--", bad]);
        assertEquals(result.code, 2, result.stderr);
        assertFalse(STACK.test(result.stderr), "a stack trace");
      });
    }
    assertEquals(
      (await cli(vault, ["history", "k"])).stdout.trim().split("\n").length,
      5,
    );
    const set = await cli(vault, ["history-limit", "1"]);
    assertEquals(set.code, 0, set.stderr);
    assert(set.stderr.includes("keeping 1 earlier version of each secret"));
    assertEquals((await cli(vault, ["history-limit"])).stdout, "1\n");
    const versions = (await cli(vault, ["history", "k"])).stdout.trim().split(
      "\n",
    );
    assertEquals(versions.slice(1).map((line) => line.split(/\s+/)[0]), [
      "4",
      "3",
    ]);
  },
);

// `set --file` stored a UTF-8 PEM as bytes, which inject,
// references, export and get at a terminal then refused.
cliTest(
  "set --file stores UTF-8 text as text and other bytes as bytes; --bytes forces bytes",
  async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    const pem = join(dir.path, "key.pem");
    const text = "-----BEGIN KEY-----\nMIIB\n-----END KEY-----\n";
    await Deno.writeTextFile(pem, text);
    const flags = [`--allow-read=${vault},${pem}`];
    const stored = await cli(vault, ["set", "tls.pem", "--file", pem], {
      flags,
    });
    assertEquals(stored.code, 0, stored.stderr);
    assertEquals((await cli(vault, ["get", "tls.pem"])).stdout, text);
    const forced = await cli(vault, [
      "set",
      "raw.pem",
      "--file",
      pem,
      "--bytes",
    ], {
      flags,
    });
    assertEquals(forced.code, 0, forced.stderr);
    const listed = await cli(vault, ["list", "--long"]);
    assert(/raw\.pem\s+bytes/.test(listed.stdout), listed.stdout);
    assert(/tls\.pem\s+text/.test(listed.stdout), listed.stdout);
    const binary = await cli(vault, ["set", "der", "--file", "-"], {
      stdin: new Uint8Array([0x30, 0x82, 0xff]),
    });
    assert(/stored as bytes/.test(binary.stderr), binary.stderr);
    const lone = await cli(vault, ["set", "x", "--bytes"], { stdin: "v" });
    assertEquals(lone.code, 2, lone.stderr);
  },
);

// `set`, `import` and `set --file` read /dev/zero whole
// before the size check (6 to 10 GB of memory in 20 s).
cliTest(
  "every input is read only up to its limit: /dev/zero is refused at once",
  async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    await cli(vault, ["set", "a"], { stdin: "1" });
    const zero = "/dev/zero";
    const flags = [`--allow-read=${vault},${zero}`, "--allow-run=true"];
    const envFile = ["run", "--env-file", zero, "--", "true"];
    for (
      const args of [
        ["set", "x", "--file", zero],
        ["import", zero],
        ["inject", "-i", zero],
        ["restore", zero, "--age-passphrase"],
        envFile,
      ]
    ) {
      const result = await cli(vault, args, { flags, stdin: "pass\n" });
      assertEquals(result.code, 1, `${args.join(" ")}: ${result.stderr}`);
      assert(/larger than \d+ bytes/.test(result.stderr), result.stderr);
    }
    const quoted = cliArgs(vault, ["set", "x"]).map((arg) => `'${arg}'`);
    const piped = await runCommand("sh", [
      "-c",
      `'${Deno.execPath()}' ${quoted.join(" ")} < /dev/zero`,
    ]);
    assertEquals(piped.code, 1, piped.stderr);
    assert(/standard input is larger than/.test(piped.stderr), piped.stderr);
  },
);
