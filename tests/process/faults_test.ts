/**
 * Faults and bad files: each gives a specific, documented error or a
 * correct recovery, never a silent new vault and never a lost secret that
 * was recoverable.
 *
 * @module
 */

import { join } from "node:path";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import {
  canChown,
  canRun,
  canSpawn,
  openEngine,
  readUntil,
  SPAWN_SKIP_REASON,
  tempDir,
} from "../_helpers.ts";
import {
  InitializationError,
  IntegrityError,
  SecretsEngine,
  SecurityError,
  StorageError,
} from "../../mod.ts";

const isPosix = Deno.build.os !== "windows";

async function vaultWithSecret(dir: string): Promise<string> {
  await using engine = await openEngine(dir);
  await engine.set("kept", "value");
  return join(dir, "vault");
}

/**
 * Makes a vault with `kept`, then has a child write `after.crash`, print
 * `ack` and die by SIGKILL with the write in the WAL.
 */
async function killedAfterWrite(dir: string): Promise<string> {
  const vault = await vaultWithSecret(dir);
  const child = new Deno.Command("deno", {
    args: [
      "run",
      `--allow-read=${vault}`,
      `--allow-write=${vault}`,
      new URL("./hold_child.ts", import.meta.url).pathname,
      vault,
      "after.crash",
      "survived",
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  assert((await readUntil(child.stdout, "ack")).includes("ack"));
  child.kill("SIGKILL");
  assertEquals((await child.status).signal, "SIGKILL");
  assert(
    (await Deno.stat(join(vault, "store.db-wal"))).size > 0,
    "the write is in the WAL",
  );
  return vault;
}

Deno.test({
  name:
    "a write followed by SIGKILL reopens with no error and the value present",
  ignore: !canSpawn,
  fn: async () => {
    await using dir = await tempDir();
    await killedAfterWrite(dir.path);

    await using engine = await openEngine(dir.path);
    assertEquals(await engine.get("after.crash"), "survived");
    assertEquals(await engine.get("kept"), "value");
  },
});

// The WAL holds the writes since the
// last checkpoint, and nothing outside it records them, so losing it rolls
// the vault back to its last intact commit in store.db, silently.
Deno.test({
  name:
    "WAL damage: losing the WAL after SIGKILL rolls back to the last checkpoint (documented limit)",
  ignore: !canSpawn,
  fn: async () => {
    await using dir = await tempDir();
    const vault = await killedAfterWrite(dir.path);
    await Deno.remove(join(vault, "store.db-wal"));
    await Deno.remove(join(vault, "store.db-shm"));
    await using engine = await openEngine(dir.path);
    assertEquals(await engine.get("after.crash"), null);
    assertEquals(await engine.get("kept"), "value");
  },
});

// A process writing while another destroyed the vault kept
// acknowledging writes into the deleted files (46 lost, no error).
Deno.test({
  name: "destroy while a process writes: its next write fails with ClosedError",
  ignore: !canSpawn,
  fn: async () => {
    await using dir = await tempDir();
    const vault = await vaultWithSecret(dir.path);
    const child = new Deno.Command("deno", {
      args: [
        "run",
        `--allow-read=${vault}`,
        `--allow-write=${vault}`,
        new URL("./probe_child.ts", import.meta.url).pathname,
        vault,
        "write-loop",
      ],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const [early, rest] = child.stdout.tee();
    await readUntil(early, "ack 20");
    const output = new Response(rest).text();
    await (await openEngine(dir.path)).destroy();
    assertEquals((await child.status).code, 0);
    const last = JSON.parse((await output).trim().split("\n").pop() ?? "");
    assertEquals(last.code, "CLOSED", JSON.stringify(last));
    assert(/destroyed/.test(last.message));
  },
});

// A full disk gave a raw ERR_SQLITE_ERROR from set() and
// from every later open(), so the vault could not even be read.
Deno.test({
  name:
    "disk full: writes are a StorageError, and the vault still opens and reads",
  ignore: !canChown || !canRun("mount") || !canRun("umount"),
  fn: async () => {
    await using dir = await tempDir();
    const mount = (args: string[]) =>
      new Deno.Command(args[0], { args: args.slice(1) }).output();
    const mounted = await mount([
      "mount",
      "-t",
      "tmpfs",
      "-o",
      "size=1m",
      "tmpfs",
      dir.path,
    ]);
    assert(mounted.success, new TextDecoder().decode(mounted.stderr));
    try {
      const filler = "x".repeat(16 * 1024);
      {
        await using engine = await openEngine(dir.path);
        await engine.set("kept", "value");
        const error = await assertRejects(async () => {
          for (let i = 0; i < 1000; i++) await engine.set(`fill.${i}`, filler);
        }, StorageError);
        assert(/disk .* is full/.test(error.message), error.message);
        assertEquals(await engine.get("kept"), "value");
      }
      await using engine = await openEngine(dir.path);
      assertEquals(await engine.get("kept"), "value");
      // The open's checkpoint may free a little of the WAL: fill it again.
      await assertRejects(async () => {
        for (let i = 0; i < 1000; i++) await engine.set(`more.${i}`, filler);
      }, StorageError);
      assertEquals(await engine.get("kept"), "value");
    } finally {
      await mount(["umount", dir.path]);
    }
  },
});

Deno.test("a vault file replaced by a directory is a SecurityError", async (t) => {
  for (const name of ["store.db", "meta.json", ".keyfile", "store.db-wal"]) {
    await t.step(name, async () => {
      await using dir = await tempDir();
      const vault = await vaultWithSecret(dir.path);
      await Deno.remove(join(vault, name)).catch(() => {});
      await Deno.mkdir(join(vault, name));
      await assertRejects(() => openEngine(dir.path), SecurityError);
    });
  }
});

Deno.test("a truncated store.db is an error, never a new vault", async (t) => {
  await t.step("cut in half: IntegrityError", async () => {
    await using dir = await tempDir();
    const vault = await vaultWithSecret(dir.path);
    // Enough rows that the file spans several pages.
    {
      await using engine = await openEngine(dir.path);
      await engine.setMany(
        Array.from(
          { length: 200 },
          (_, i) => [`bulk.${i}`, "x".repeat(100)] as const,
        ),
      );
    }
    const database = join(vault, "store.db");
    const { size } = await Deno.stat(database);
    await Deno.truncate(database, Math.floor(size / 2));
    await assertRejects(() => openEngine(dir.path), IntegrityError);
  });
  await t.step(
    "cut to nothing: InitializationError, keyfile kept",
    async () => {
      await using dir = await tempDir();
      const vault = await vaultWithSecret(dir.path);
      const keyfile = await Deno.readFile(join(vault, ".keyfile"));
      await Deno.truncate(join(vault, "store.db"), 0);
      await assertRejects(() => openEngine(dir.path), InitializationError);
      assertEquals(await Deno.readFile(join(vault, ".keyfile")), keyfile);
    },
  );
});

Deno.test("a database half-created by a crash is created anew", async () => {
  await using dir = await tempDir();
  const vault = join(dir.path, "vault");
  await Deno.mkdir(vault, { mode: 0o700 });
  await Deno.writeFile(join(vault, "store.db"), new Uint8Array(), {
    mode: 0o600,
  });
  // Creation writes its keyfile as pending until its transaction commits.
  await Deno.writeFile(join(vault, ".keyfile.pending"), new Uint8Array(32), {
    mode: 0o400,
  });
  {
    await using engine = await openEngine(dir.path);
    await engine.set("fresh", "start");
  }
  await using engine = await openEngine(dir.path);
  assertEquals(await engine.get("fresh"), "start");
  assertEquals(
    (await Deno.readFile(join(vault, ".keyfile"))).length,
    32,
  );
});

// With meta.json gone too, an empty store.db beside a
// keyfile made a new vault and overwrote the keyfile that a restored
// store.db would need.
Deno.test("empty store.db without meta.json: keyfile kept, InitializationError", async () => {
  await using dir = await tempDir();
  const vault = await vaultWithSecret(dir.path);
  const keyfile = await Deno.readFile(join(vault, ".keyfile"));
  await Deno.remove(join(vault, "meta.json"));
  await Deno.truncate(join(vault, "store.db"), 0);
  const error = await assertRejects(
    () => openEngine(dir.path),
    InitializationError,
  );
  assert(/restore store\.db/.test(error.message));
  assertEquals(await Deno.readFile(join(vault, ".keyfile")), keyfile);
});

/** Whether this user writes through a directory's mode 0500, as root does. */
function ignoresDirectoryModes(): boolean {
  if (!isPosix) return true;
  const dir = Deno.makeTempDirSync();
  try {
    Deno.chmodSync(dir, 0o500);
    Deno.writeTextFileSync(join(dir, "probe"), "");
    return true;
  } catch {
    return false;
  } finally {
    Deno.chmodSync(dir, 0o700);
    Deno.removeSync(dir, { recursive: true });
  }
}

// Ignored when run as root (CI here): root writes through mode 0500, so
// there is no read-only directory to test.
Deno.test({
  name: "a read-only vault directory is an InitializationError",
  ignore: ignoresDirectoryModes(),
  fn: async () => {
    await using dir = await tempDir();
    const vault = await vaultWithSecret(dir.path);
    await Deno.chmod(vault, 0o500);
    try {
      const error = await assertRejects(
        () => openEngine(dir.path),
        InitializationError,
      );
      assert(error.message.includes("read-only"));
    } finally {
      await Deno.chmod(vault, 0o700);
    }
  },
});

Deno.test("an engine opened on a vault whose format is newer is refused", async () => {
  await using dir = await tempDir();
  const vault = await vaultWithSecret(dir.path);
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(join(vault, "store.db"));
  db.prepare("UPDATE meta SET value = ? WHERE key = 'format'").run(
    new TextEncoder().encode("9"),
  );
  db.close();
  await assertRejects(
    () => SecretsEngine.open({ path: vault, factors: [] }),
    InitializationError,
  );
  assert(await Deno.stat(join(vault, "store.db")));
});

if (!canSpawn) console.log(`faults_test: ${SPAWN_SKIP_REASON}`);
