/**
 * The README's way out of a damaged vault, run line by line exactly as
 * written, with `secrets` on PATH as the README's install line makes it.
 *
 * @module
 */

import { join } from "node:path";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { IntegrityError, SecretsEngine } from "../../mod.ts";
import { canRun, runCommand, tempDir } from "../_helpers.ts";
import { installSecrets, pathWith } from "./_cli.ts";

const README = new URL("../../README.md", import.meta.url);
const PASSPHRASE = "rescue passphrase";

/** The shell lines of the README's recovery procedure. */
function procedure(): string[] {
  const text = Deno.readTextFileSync(README);
  const section = text.slice(text.indexOf("## Recovering a damaged vault"));
  const block = section.match(/```sh\n([\s\S]*?)```/);
  assert(block, "the README's recovery section has no sh block");
  return block[1].trim().split("\n");
}

/** A vault at the default location that fails verification. */
async function damagedVault(path: string): Promise<void> {
  {
    await using engine = await SecretsEngine.open({ path });
    await engine.setHistoryLimit(15);
    for (let i = 1; i <= 12; i++) await engine.set("db.password", `pw${i}`);
    await engine.set("tls.key", new Uint8Array([0, 1, 2, 255]));
    await engine.set("old.token", "expired", { ttlMs: 1 });
    await engine.set("api.key", "sk-live", { expiresAt: Date.now() + 1e9 });
    await engine.set("victim", "v".repeat(500));
  }
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(join(path, "store.db"));
  db.exec(
    "UPDATE entries SET value = zeroblob(length(value)) WHERE length(value) > 400",
  );
  db.close();
  await assertRejects(() => SecretsEngine.open({ path }), IntegrityError);
}

Deno.test({
  name:
    "the README's recovery procedure, run as written on a damaged vault, loses nothing that decrypts",
  ignore: !canRun("deno") || !canRun("sh"),
  fn: async () => {
    await using dir = await tempDir();
    const home = join(dir.path, "home");
    const bin = join(dir.path, "bin");
    await Deno.mkdir(home);
    await installSecrets(bin);
    const path = join(home, ".secrets-engine");
    await damagedVault(path);
    for (const line of procedure()) {
      const ran = await runCommand("sh", ["-c", line], {
        env: { HOME: home, PATH: pathWith(bin) },
        stdin: `${PASSPHRASE}\n`,
        cwd: dir.path,
      });
      assertEquals(ran.code, 0, `${line}: ${ran.stderr}`);
    }
    await using engine = await SecretsEngine.open({ path });
    assertEquals(await engine.get("db.password"), "pw12");
    assertEquals(
      (await engine.history("db.password")).map((v) => v.version),
      [12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1],
    );
    assertEquals((await engine.getVersion("db.password", 1))?.value, "pw1");
    assertEquals(
      await engine.getBytes("tls.key"),
      new Uint8Array([0, 1, 2, 255]),
    );
    assertEquals(await engine.get("api.key"), "sk-live");
    assertEquals(await engine.keys("**", { expired: true }), ["old.token"]);
    assertEquals(
      (await engine.keys()).length,
      3,
      "the damaged entry is left out",
    );
  },
});
