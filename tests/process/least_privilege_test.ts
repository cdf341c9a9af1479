/**
 * Least privilege: the engine works with read and write on its vault and
 * nothing else, names the exact flag when one is missing, writes nothing
 * outside the vault, refuses symlinked vault files, and holds no file open
 * once closed.
 *
 * @module
 */

import { join } from "node:path";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import {
  canSpawn,
  type ChildResult,
  openEngine,
  runDeno,
  runProbe,
  SPAWN_SKIP_REASON,
  tempDir,
} from "../_helpers.ts";
import { SecurityError } from "../../mod.ts";

const example = (name: string) =>
  new URL(`../../examples/${name}`, import.meta.url).pathname;

/** Runs examples/lifecycle.ts with read and write on `vault` and nothing else. */
function runLifecycle(
  vault: string,
  env?: Record<string, string>,
): Promise<ChildResult> {
  return runDeno([
    "run",
    "--no-prompt",
    `--allow-read=${vault}`,
    `--allow-write=${vault}`,
    example("lifecycle.ts"),
    vault,
  ], { env });
}

Deno.test({
  name:
    "the whole lifecycle runs with --allow-read and --allow-write on the vault only",
  ignore: !canSpawn,
  fn: async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    const result = await runLifecycle(vault);
    assertEquals(result.code, 0, result.stderr);
    assert(
      result.stdout.includes("names: db.password, db.user, service.token"),
    );
    assert(result.stdout.includes("destroyed"));
    await assertRejects(() => Deno.stat(vault), Deno.errors.NotFound);
  },
});

Deno.test({
  name: "a missing read or write flag is a PermissionError naming it",
  ignore: !canSpawn,
  fn: async (t) => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    for (const [missing, granted] of [["read", "write"], ["write", "read"]]) {
      await t.step(`without --allow-${missing}`, async () => {
        const result = await runDeno([
          "run",
          "--no-prompt",
          `--allow-${granted}=${vault}`,
          example("lifecycle.ts"),
          vault,
        ]);
        assertEquals(result.code, 1, result.stderr);
        assert(
          result.stderr.includes(`PermissionError (PERMISSION)`) &&
            result.stderr.includes(`--allow-${missing}=${vault}`),
          result.stderr,
        );
      });
    }
  },
});

Deno.test({
  name:
    "default locations need --allow-env and say so, with `path` as the way out",
  ignore: !canSpawn,
  fn: async (t) => {
    await using dir = await tempDir();
    const home = dir.path;
    const vault = join(home, ".secrets-engine");
    const grant = [`--allow-read=${vault}`, `--allow-write=${vault}`];
    const env = { HOME: home };
    await t.step("without --allow-env", async () => {
      const result = await runDeno(
        ["run", "--no-prompt", ...grant, example("default_location.ts")],
        { env },
      );
      assertEquals(result.code, 1, result.stderr);
      assert(result.stderr.includes("--allow-env=HOME"), result.stderr);
      assert(result.stderr.includes("pass `path`"), result.stderr);
    });
    // With XDG_CONFIG_HOME set, the example looked there, outside
    // the flags its own comment gives.
    await t.step(
      "with --allow-env=HOME, XDG_CONFIG_HOME set or not",
      async () => {
        const result = await runDeno(
          [
            "run",
            "--no-prompt",
            "--allow-env=HOME",
            ...grant,
            example("default_location.ts"),
          ],
          {
            env: { ...env, XDG_CONFIG_HOME: join(home, "xdg") },
            clearEnv: true,
          },
        );
        assertEquals(result.code, 0, result.stderr);
        assert(result.stdout.includes(`0 secrets in ${vault}`), result.stdout);
      },
    );
  },
});

Deno.test({
  name: "a vault path symlinked outside the grant names the real path's flag",
  ignore: !canSpawn || Deno.build.os === "windows",
  fn: async () => {
    await using dir = await tempDir();
    const real = join(dir.path, "real");
    const link = join(dir.path, "link");
    await Deno.mkdir(real, { mode: 0o700 });
    await Deno.symlink(real, link);
    const result = await runLifecycle(link);
    assertEquals(result.code, 1, result.stderr);
    assert(
      result.stderr.includes(`--allow-read=${await Deno.realPath(real)}`),
      result.stderr,
    );
    assertEquals([...Deno.readDirSync(real)], []);
  },
});

Deno.test({
  name: "nothing is written outside the vault, not even to TMPDIR",
  ignore: !canSpawn,
  fn: async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    const tmp = join(dir.path, "tmp");
    await Deno.mkdir(tmp);
    const result = await runLifecycle(vault, {
      TMPDIR: tmp,
      TEMP: tmp,
      TMP: tmp,
    });
    assertEquals(result.code, 0, result.stderr);
    assertEquals([...Deno.readDirSync(tmp)], []);
    assertEquals([...Deno.readDirSync(dir.path)].map((e) => e.name), ["tmp"]);
  },
});

Deno.test({
  name: "a vault file symlinked out of the vault is a SecurityError",
  ignore: Deno.build.os === "windows",
  fn: async (t) => {
    for (
      const name of [
        "store.db",
        "meta.json",
        ".keyfile",
        "store.db-wal",
        "store.db-shm",
      ]
    ) {
      await t.step(name, async () => {
        await using dir = await tempDir();
        {
          await using engine = await openEngine(dir.path);
          await engine.set("a", "b");
        }
        const vault = join(dir.path, "vault");
        const outside = join(dir.path, `outside-${name}`);
        await Deno.writeFile(outside, new Uint8Array(), { mode: 0o600 });
        await Deno.remove(join(vault, name)).catch(() => {});
        await Deno.symlink(outside, join(vault, name));
        await assertRejects(() => openEngine(dir.path), SecurityError);
      });
    }
  },
});

Deno.test({
  name: "close and await using leave no file of the vault open",
  ignore: !canSpawn || Deno.build.os !== "linux",
  fn: async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    const child = new URL("./fd_child.ts", import.meta.url).pathname;
    const result = await runDeno(["run", "--allow-all", child, vault]);
    assertEquals(result.code, 0, result.stderr);
    const counts = JSON.parse(result.stdout);
    assert(counts.whileOpen > 0, "the open engine holds its database");
    assertEquals(counts.afterClose, 0);
    assertEquals(counts.afterDestroy, 0);
  },
});

if (!canSpawn) console.log(`least_privilege_test: ${SPAWN_SKIP_REASON}`);

// A --deny-read or --deny-write on one vault file inside
// a granted directory reached the caller as a raw NotCapable.
Deno.test({
  name: "deny flags: a denied vault file is a PermissionError naming it",
  ignore: !canSpawn,
  fn: async (t) => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    {
      await using engine = await openEngine(dir.path);
      await engine.set("a", "1");
    }
    const grant = [`--allow-read=${vault}`, `--allow-write=${vault}`];
    for (const [deny, file] of [["read", ".keyfile"], ["write", "store.db"]]) {
      await t.step(`--deny-${deny}=${file}`, async () => {
        const path = join(vault, file);
        const result = await runProbe(
          [...grant, `--deny-${deny}=${path}`],
          vault,
          "open",
        );
        assertEquals(result.code, "PERMISSION", JSON.stringify(result));
        assertEquals(result.flag, `--allow-${deny}=${path}`);
      });
    }
  },
});

// Under -A, 0.1 bound a new vault to every factor, so the
// same vault opened differently from a scoped run.
Deno.test({
  name:
    "default factors: a vault created under -A is bound to its keyfile alone",
  ignore: !canSpawn,
  fn: async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    const created = await runProbe(["-A"], vault, "info");
    assertEquals(created.info?.factors, [], JSON.stringify(created));
    const scoped = await runProbe(
      [`--allow-read=${vault}`, `--allow-write=${vault}`],
      vault,
      "open",
    );
    assertEquals(scoped.ok, true, JSON.stringify(scoped));
  },
});
