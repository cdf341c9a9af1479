/**
 * In 0.3, `import` replaced values silently, against its own
 * help; importing a committed reference file turned a real value into the
 * literal reference, which `run --env-file` then passed to the program;
 * and `export --format json | import -` was "not an export document".
 *
 * @module
 */

import { join } from "node:path";
import { assert, assertEquals } from "../../_assert.ts";
import { tempDir } from "../../_helpers.ts";
import { cli } from "../_cli.ts";

async function vaultWith(
  dir: string,
  dotenv: string,
): Promise<string> {
  const vault = join(dir, "vault");
  const seeded = await cli(vault, ["import", "-"], { stdin: dotenv });
  assertEquals(seeded.code, 0, seeded.stderr);
  return vault;
}

async function values(vault: string): Promise<string> {
  return (await cli(vault, ["export", "--format", "json"])).stdout;
}

Deno.test("import refuses names the vault holds, all listed and nothing written, unless --overwrite", async () => {
  await using dir = await tempDir();
  const vault = await vaultWith(dir.path, "A=one\nB=two\n");
  const before = await values(vault);
  for (
    const input of [
      "A=new\nB=new\nC=three\n",
      JSON.stringify({ A: "new", B: "new", C: "three" }),
    ]
  ) {
    const refused = await cli(vault, ["import", "-"], { stdin: input });
    assertEquals(refused.code, 1, refused.stderr);
    assert(/already holds "A", "B"/.test(refused.stderr), refused.stderr);
    assert(/--overwrite/.test(refused.stderr), refused.stderr);
    assertEquals(await values(vault), before);
  }
  const replaced = await cli(vault, ["import", "-", "--overwrite"], {
    stdin: "A=new\nC=three\n",
  });
  assertEquals(replaced.code, 0, replaced.stderr);
  assertEquals(
    JSON.parse(await values(vault)),
    { A: "new", B: "two", C: "three" },
  );
});

Deno.test("re-importing an unchanged file with --overwrite adds no version", async () => {
  await using dir = await tempDir();
  const vault = await vaultWith(dir.path, "A=one\nB=two\n");
  for (let i = 0; i < 3; i++) {
    const again = await cli(vault, ["import", "-", "--overwrite"], {
      stdin: "A=one\nB=two\n",
    });
    assertEquals(again.code, 0, again.stderr);
  }
  const history = await cli(vault, ["history", "A"]);
  assertEquals(history.stdout.trim().split("\n").length, 2, history.stdout);
});

Deno.test("a secrets:// reference is refused on import, and run and inject refuse a reference to a reference", async () => {
  await using dir = await tempDir();
  const vault = await vaultWith(dir.path, "DATABASE_URL=postgres://real\n");
  const template = join(dir.path, ".env");
  await Deno.writeTextFile(template, "DATABASE_URL=secrets://DATABASE_URL\n");
  for (const args of [[template], [template, "--overwrite"]]) {
    const refused = await cli(vault, ["import", ...args]);
    assertEquals(refused.code, 1, refused.stderr);
    assert(/this is a template/.test(refused.stderr), refused.stderr);
    assert(/run --env-file or inject/.test(refused.stderr), refused.stderr);
  }
  const json = await cli(vault, ["import", "-", "--overwrite"], {
    stdin: JSON.stringify({ DATABASE_URL: "secrets://other" }),
  });
  assertEquals(json.code, 1, json.stderr);
  assertEquals(
    (await cli(vault, ["get", "DATABASE_URL"])).stdout,
    "postgres://real",
  );

  // A vault filled by 0.3 may already hold a reference as a value.
  await cli(vault, ["set", "chained", "--value=secrets://DATABASE_URL"]);
  await Deno.writeTextFile(template, "URL=secrets://chained\n");
  const ran = await cli(
    vault,
    ["run", "--env-file", template, "--", "sh", "-c", 'printf %s "$URL"'],
    { flags: [`--allow-read=${vault},${template}`, "--allow-run=sh"] },
  );
  assertEquals([ran.code, ran.stdout], [1, ""], ran.stderr);
  assert(/"chained" holds a secrets:\/\/ reference/.test(ran.stderr));
  const tpl = join(dir.path, "app.tpl");
  await Deno.writeTextFile(tpl, "url: {{ secrets://chained }}\n");
  const injected = await cli(vault, ["inject", "-i", tpl]);
  assertEquals([injected.code, injected.stdout], [1, ""], injected.stderr);
});

Deno.test("export --format json | import - round-trips names and values", async () => {
  await using dir = await tempDir();
  const vault = await vaultWith(dir.path, "A=one\n");
  await cli(vault, ["set", "db.password", "--value=pa$$ 'x' \"y\"\nline"]);
  const exported = await values(vault);
  const copy = join(dir.path, "copy");
  const imported = await cli(copy, ["import", "-"], { stdin: exported });
  assertEquals(imported.code, 0, imported.stderr);
  assertEquals(await values(copy), exported);
  const notPairs = await cli(copy, ["import", "-"], { stdin: '{"a": 1}' });
  assertEquals(notPairs.code, 1, notPairs.stderr);
  assert(/neither an export document nor an object/.test(notPairs.stderr));
});
