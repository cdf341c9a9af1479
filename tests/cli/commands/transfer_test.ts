/**
 * `import` and `export` through a real `deno run`, and what they give a
 * real shell.
 *
 * @module
 */

import { join } from "node:path";
import { assert, assertEquals, assertFalse } from "../../_assert.ts";
import { canRun, tempDir } from "../../_helpers.ts";
import { cli, cliSpawned, cliTest } from "../_cli.ts";
import { generateIdentity } from "../../../src/age/age.ts";

const NASTY: Record<string, string> = {
  "db.password": "pa$$word",
  "cmd.inject": "$(touch PWNED) `touch PWNED2` ${HOME}",
  "quote.single": "it's 'quoted'",
  "quote.double": 'say "hi" \\n \\\\',
  "pem.key": "-----BEGIN KEY-----\nline two\n\n-----END KEY-----\n",
  "spaces.around": "  padded  ",
  "unicode.value": "ünïcødé ✓ \t tab",
};

async function importAll(vault: string): Promise<void> {
  for (const [name, value] of Object.entries(NASTY)) {
    const set = await cli(vault, ["set", name, `--value=${value}`]);
    assertEquals(set.code, 0, set.stderr);
  }
}

// Double-quoted values turned `pa$$word` into
// `pa16366word` and ran `$(...)` when sourced.
for (const shell of ["sh", "bash"]) {
  Deno.test({
    name:
      `export is safe to source in ${shell}: eval and set -a give every value back byte for byte`,
    ignore: !canRun("deno") || !canRun(shell),
    fn: async () => {
      await using dir = await tempDir();
      const vault = join(dir.path, "vault");
      await importAll(vault);
      const exported = await cli(vault, ["export"]);
      assertEquals(exported.code, 0, exported.stderr);
      const file = join(dir.path, "env");
      await Deno.writeTextFile(file, exported.stdout);
      const print = Object.keys(NASTY).map((name) => {
        const env = name.replace(".", "_").toUpperCase();
        return `printf '%s\\0' "$${env}"`;
      }).join("; ");
      for (
        const script of [
          `eval "$(cat '${file}')"; ${print}`,
          `set -a; . '${file}'; ${print}`,
        ]
      ) {
        const { stdout, success } = await new Deno.Command(shell, {
          args: ["-c", script],
          cwd: dir.path,
          stdout: "piped",
        }).output();
        assert(success, script);
        const values = new TextDecoder().decode(stdout).split("\0");
        assertEquals(values.slice(0, -1), Object.values(NASTY), script);
      }
      assertFalse(
        (await Array.fromAsync(Deno.readDir(dir.path))).some((e) =>
          e.name.startsWith("PWNED")
        ),
      );
    },
  });
}

cliTest("export round-trips through import, byte for byte", async () => {
  await using dir = await tempDir();
  const vault = join(dir.path, "vault");
  await importAll(vault);
  const exported = await cli(vault, ["export"]);
  const other = join(dir.path, "other");
  const imported = await cli(other, ["import", "-"], {
    stdin: exported.stdout,
  });
  assertEquals(imported.code, 0, imported.stderr);
  const back = await cli(other, ["export", "--format", "json"]);
  const expected = Object.fromEntries(
    Object.entries(NASTY).map(([name, value]) => [
      name.replace(".", "_").toUpperCase(),
      value,
    ]),
  );
  assertEquals(JSON.parse(back.stdout), expected);
});

// 64 random bytes came back as ~110, silently.
cliTest(
  "non-UTF-8 input is refused, from stdin and from a .env file",
  async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    const bytes = new Uint8Array([0x66, 0x6f, 0xff, 0xfe, 0xc3, 0x28]);
    const set = await cli(vault, ["set", "bin.value"], { stdin: bytes });
    assertEquals(set.code, 1);
    assert(set.stderr.includes("not valid UTF-8"), set.stderr);
    const file = join(vault, "..", "bad.env");
    await Deno.writeFile(
      file,
      new Uint8Array([...new TextEncoder().encode("A="), 0xff, 0x0a]),
    );
    const imported = await cli(vault, ["import", file], {
      flags: [`--allow-read=${file}`],
    });
    assertEquals(imported.code, 1);
    assert(imported.stderr.includes("not valid UTF-8"), imported.stderr);
    await assertNoVault(vault);
  },
);

async function assertNoVault(vault: string): Promise<void> {
  const exists = await Deno.stat(vault).then(() => true, () => false);
  assertFalse(exists, `${vault} was created`);
}

// A key given twice was counted twice.
cliTest(
  "import counts each name once, warns about duplicates, reads stdin with -",
  async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    const result = await cli(vault, ["import", "-"], {
      stdin: "A=1\nB=2\n# comment\nA=3\n",
    });
    assertEquals(result.code, 0, result.stderr);
    assert(result.stderr.includes("imported 2 secrets"), result.stderr);
    assert(result.stderr.includes("A is set on lines 1, 4"), result.stderr);
    assertEquals((await cli(vault, ["get", "A"])).stdout, "3");
  },
);

// A directory, or a file outside the grant, gave a stack
// trace (and at a terminal, a Deno permission prompt).
cliTest(
  "import of a directory or of an ungranted file: a plain error naming the flag",
  async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    const folder = join(dir.path, "folder");
    await Deno.mkdir(folder);
    const fromDir = await cli(vault, ["import", folder], {
      flags: [`--allow-read=${folder}`],
    });
    assertEquals(fromDir.code, 1);
    assert(fromDir.stderr.includes("is a directory"), fromDir.stderr);
    const file = join(dir.path, "app.env");
    await Deno.writeTextFile(file, "A=1\n");
    const ungranted = await cliSpawned(vault, ["import", file]);
    assertEquals(ungranted.code, 1);
    assert(
      ungranted.stderr.includes(`--allow-read=${file}`),
      ungranted.stderr,
    );
    for (const result of [fromDir, ungranted]) {
      assertFalse(/\n\s+at /.test(result.stderr), "a stack trace");
    }
    await assertNoVault(vault);
  },
);

// `export | head` died with a BrokenPipe stack trace.
Deno.test({
  name: "export into a closed pipe (| head) exits quietly",
  ignore: !canRun("deno") || !canRun("sh"),
  fn: async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    const many = Array.from(
      { length: 3000 },
      (_, i) => `K${i}=${"v".repeat(40)}`,
    )
      .join("\n");
    await cli(vault, ["import", "-"], { stdin: many });
    const command = [
      "deno run --no-prompt",
      `--allow-read=${vault} --allow-write=${vault}`,
      new URL("../../../src/cli/main.ts", import.meta.url).pathname,
      `--path ${vault} export | head -c 10 >/dev/null`,
    ].join(" ");
    const { stderr } = await new Deno.Command("sh", {
      args: ["-c", command],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const errors = new TextDecoder().decode(stderr);
    assertEquals(errors, "", "nothing on stderr");
  },
});

// `FOO=` is an empty value, common in
// .env files; it imports, exports and reads back as one.
cliTest(
  "FOO= imports an empty value, and it round-trips through export and set",
  async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    const imported = await cli(vault, ["import", "-"], {
      stdin: "FOO=\nBAR=''\nBAZ=x\n",
    });
    assertEquals(imported.code, 0, imported.stderr);
    const foo = await cli(vault, ["get", "FOO"]);
    assertEquals([foo.code, foo.stdout], [0, ""]);
    assertEquals((await cli(vault, ["has", "BAR"])).code, 0);
    const exported = await cli(vault, ["export"]);
    assert(exported.stdout.includes("FOO=''\n"), exported.stdout);
    const piped = await cli(vault, ["set", "piped"], { stdin: "" });
    assertEquals(piped.code, 0, piped.stderr);
    assertEquals((await cli(vault, ["get", "piped"])).stdout, "");
  },
);

// `set`, `import` and `restore` on a mistyped --path made a
// vault without a word.
cliTest(
  "set, import and init on a path with no vault say once that they created one; on an existing vault they do not",
  async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "mistyped");
    const first = await cli(vault, ["set", "a"], { stdin: "1" });
    assertEquals(first.code, 0, first.stderr);
    assert(
      first.stderr.includes(`created a new vault at ${vault}`),
      first.stderr,
    );
    const again = await cli(vault, ["set", "b"], { stdin: "2" });
    assertFalse(again.stderr.includes("created"), again.stderr);
    const other = join(dir.path, "other");
    const imported = await cli(other, ["import", "-"], { stdin: "A=1\n" });
    assert(imported.stderr.includes("created a new vault"), imported.stderr);
    const fresh = join(dir.path, "fresh");
    const init = await cli(fresh, ["init"]);
    assertEquals(
      [init.code, init.stderr],
      [0, `secrets: created a new vault at ${fresh}\n`],
    );
  },
);

// `backup` with a pattern that matched nothing said
// "backed up 0 secrets" and exited 0.
cliTest(
  "backup with a pattern that matches nothing fails as export does, and writes no file",
  async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    await cli(vault, ["set", "db.password"], { stdin: "pw" });
    const file = join(dir.path, "b.age");
    const { recipient } = await generateIdentity();
    const result = await cli(
      vault,
      ["backup", file, "db.pasword", "--recipient", recipient],
      { flags: [`--allow-write=${vault},${dir.path}`] },
    );
    assertEquals(result.code, 1, result.stderr);
    assert(/matches no secret/.test(result.stderr), result.stderr);
    assertFalse(await Deno.stat(file).then(() => true, () => false));
  },
);

// A CRLF .env kept \r\n inside quoted values, and ${VAR}
// stayed literal without a word.
cliTest(
  "import of a CRLF .env gives LF values and says once that ${…} is kept as written",
  async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    const result = await cli(vault, ["import", "-"], {
      stdin:
        'KEY="-----BEGIN-----\r\nbody\r\n-----END-----"\r\nURL=${HOST}/x\r\n',
    });
    assertEquals(result.code, 0, result.stderr);
    assert(
      /line 4: \$\{…\} is kept as written/.test(result.stderr),
      result.stderr,
    );
    assertEquals(
      (await cli(vault, ["get", "KEY"])).stdout,
      "-----BEGIN-----\nbody\n-----END-----",
    );
    assertEquals((await cli(vault, ["get", "URL"])).stdout, "${HOST}/x");
  },
);
