/**
 * `inject` and `read` through a real `deno run`.
 *
 * @module
 */

import { join } from "node:path";
import { assert, assertEquals, assertFalse } from "../../_assert.ts";
import { canRun, tempDir } from "../../_helpers.ts";
import { atTerminal, CLI, cli, cliTest } from "../_cli.ts";

const PEM = "-----BEGIN KEY-----\nline two\n-----END KEY-----";

async function vaultWithSecrets(dir: string): Promise<string> {
  const vault = join(dir, "vault");
  await cli(vault, ["set", "db.url", "--value=postgres://u:p@h/db"]);
  await cli(vault, ["set", "tls key", `--value=${PEM}`]);
  return vault;
}

cliTest(
  "inject renders a template to a file: mode 0600, exact content, replaced only with --force",
  async () => {
    await using dir = await tempDir();
    const vault = await vaultWithSecrets(dir.path);
    const template = join(dir.path, "config.yaml.tpl");
    await Deno.writeTextFile(
      template,
      "url: {{ secrets://db.url }}\nkey: |\n{{secrets://tls%20key}}\nport: 8080\n",
    );
    const out = join(dir.path, "config.yaml");
    const flags = [`--allow-read=${dir.path}`, `--allow-write=${dir.path}`];
    const rendered = await cli(vault, ["inject", "-i", template, "-o", out], {
      flags,
    });
    assertEquals(rendered.code, 0, rendered.stderr);
    assertEquals(
      await Deno.readTextFile(out),
      `url: postgres://u:p@h/db\nkey: |\n${PEM}\nport: 8080\n`,
    );
    assertEquals(((await Deno.stat(out)).mode ?? 0) & 0o777, 0o600);
    const again = await cli(vault, ["inject", "-i", template, "-o", out], {
      flags,
    });
    assertEquals(again.code, 1);
    assert(again.stderr.includes("--force"), again.stderr);
    const forced = await cli(
      vault,
      ["inject", "-i", template, "-o", out, "--force"],
      { flags },
    );
    assertEquals(forced.code, 0, forced.stderr);
    const leftovers = [...Deno.readDirSync(dir.path)].map((e) => e.name);
    assertFalse(
      leftovers.some((name) => name.endsWith(".tmp")),
      `${leftovers}`,
    );
  },
);

cliTest(
  "inject prints to a pipe, and leaves other placeholders as they are",
  async () => {
    await using dir = await tempDir();
    const vault = await vaultWithSecrets(dir.path);
    const template = join(dir.path, "t.tpl");
    await Deno.writeTextFile(template, "{{ secrets://db.url }} {{ op://x/y }}");
    const result = await cli(vault, ["inject", "-i", template], {
      flags: [`--allow-read=${template}`],
    });
    assertEquals(result.code, 0, result.stderr);
    assertEquals(result.stdout, "postgres://u:p@h/db {{ op://x/y }}");
    assert(result.stderr.includes("left 1"), result.stderr);
  },
);

cliTest(
  "inject: missing secrets are listed at once and nothing is written",
  async () => {
    await using dir = await tempDir();
    const vault = await vaultWithSecrets(dir.path);
    const template = join(dir.path, "t.tpl");
    await Deno.writeTextFile(
      template,
      "{{ secrets://db.url }} {{ secrets://nope.one }} {{ secrets://nope.two }}",
    );
    const out = join(dir.path, "out");
    const result = await cli(vault, ["inject", "-i", template, "-o", out], {
      flags: [`--allow-read=${dir.path}`, `--allow-write=${dir.path}`],
    });
    assertEquals(result.code, 1);
    assert(
      result.stderr.includes('"nope.one", "nope.two"'),
      result.stderr,
    );
    assertFalse(await Deno.stat(out).then(() => true, () => false));
  },
);

cliTest(
  "inject: an unclosed {{ names its position; a template without references passes through",
  async () => {
    await using dir = await tempDir();
    const vault = await vaultWithSecrets(dir.path);
    const broken = join(dir.path, "broken.tpl");
    await Deno.writeTextFile(broken, "a: 1\nb: {{ secrets://db.url\n");
    const plain = join(dir.path, "plain.tpl");
    await Deno.writeTextFile(plain, "just: text\n");
    const flags = [`--allow-read=${broken},${plain}`];
    const bad = await cli(vault, ["inject", "-i", broken], { flags });
    assertEquals(bad.code, 1);
    assert(bad.stderr.includes("line 2, column 4"), bad.stderr);
    const passed = await cli(vault, ["inject", "-i", plain], { flags });
    assertEquals([passed.code, passed.stdout], [0, "just: text\n"]);
    assert(passed.stderr.includes("no secrets:// reference"), passed.stderr);
  },
);

cliTest("read takes a reference and prints its secret", async () => {
  await using dir = await tempDir();
  const vault = await vaultWithSecrets(dir.path);
  const read = await cli(vault, ["read", "secrets://tls%20key"]);
  assertEquals([read.code, read.stdout], [0, PEM]);
  assertEquals((await cli(vault, ["read", "db.url"])).code, 2);
  const missing = await cli(vault, ["read", "secrets://nope"]);
  assertEquals(missing.code, 1);
});

Deno.test({
  name: "inject refuses to print secrets to a terminal without --force",
  ignore: !canRun("deno") || !canRun("python3") || Deno.build.os === "windows",
  fn: async () => {
    await using dir = await tempDir();
    const vault = await vaultWithSecrets(dir.path);
    const template = join(dir.path, "t.tpl");
    await Deno.writeTextFile(template, "{{ secrets://db.url }}\n");
    const command = [
      "deno",
      "run",
      `--allow-read=${dir.path}`,
      `--allow-write=${vault}`,
      CLI,
      "--path",
      vault,
      "inject",
      "-i",
      template,
    ];
    const refused = await atTerminal([], command);
    assertEquals(refused.code, 1, refused.output);
    assert(refused.output.includes("refusing to print secrets to a terminal"));
    assertFalse(refused.output.includes("postgres://"));
    const forced = await atTerminal([], [...command, "--force"]);
    assertEquals(forced.code, 0, forced.output);
    assert(forced.output.includes("postgres://u:p@h/db"));
  },
});

// An interrupted write left OUT.<random>.tmp holding
// the secret in clear; the next write removes such leftovers.
cliTest(
  "a write to -o removes the temporary files an interrupted one left",
  async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    await cli(vault, ["set", "db.password"], { stdin: "hunter2" });
    const template = join(dir.path, "app.tpl");
    await Deno.writeTextFile(template, "pw={{ secrets://db.password }}\n");
    const out = join(dir.path, "app.conf");
    const stale = `${out}.0123456789abcdef.tmp`;
    await Deno.writeTextFile(stale, "pw=hunter2\n");
    const other = join(dir.path, "notes.0123456789abcdef.tmp");
    await Deno.writeTextFile(other, "mine");
    const result = await cli(vault, ["inject", "-i", template, "-o", out], {
      flags: [
        `--allow-read=${vault},${dir.path}`,
        `--allow-write=${vault},${dir.path}`,
      ],
    });
    assertEquals(result.code, 0, result.stderr);
    assertEquals(await Deno.readTextFile(out), "pw=hunter2\n");
    assertFalse(await Deno.stat(stale).then(() => true, () => false));
    assertEquals(await Deno.readTextFile(other), "mine");
  },
);
