import { assert, assertEquals, assertThrows } from "../_assert.ts";
import { join } from "node:path";
import { SecurityError } from "../../src/errors.ts";
import {
  createExclusive,
  inspectVaultFile,
  prepareVaultDir,
  readSmallFile,
  vaultOwner,
  writeAtomic,
} from "../../src/storage/files.ts";
import { removeVaultFiles } from "../../src/storage/removal.ts";
import { canChown, OTHER_UID, tempDir } from "../_helpers.ts";

const isPosix = Deno.build.os !== "windows";

Deno.test("prepareVaultDir creates a 0700 directory and returns its real path", async () => {
  await using dir = await tempDir();
  const vault = prepareVaultDir(join(dir.path, "a", "vault"));
  assertEquals(vault, await Deno.realPath(join(dir.path, "a", "vault")));
  assertEquals(typeof vaultOwner(vault).owner, isPosix ? "number" : "object");
  assertEquals([...Deno.readDirSync(vault)], [], "the owner probe is gone");
  if (isPosix) assertEquals((Deno.statSync(vault).mode ?? 0) & 0o777, 0o700);
  await Deno.writeTextFile(join(dir.path, "file"), "");
  assertThrows(
    () => prepareVaultDir(join(dir.path, "file")),
    SecurityError,
  );
});

Deno.test({
  name: "inspectVaultFile refuses symlinks, non-files and loose modes",
  ignore: !isPosix,
  fn: async () => {
    await using dir = await tempDir();
    const path = join(dir.path, "store.db");
    const { owner } = vaultOwner(dir.path);
    assertEquals(inspectVaultFile(path, owner), null);
    createExclusive(path, 0o600);
    assert(inspectVaultFile(path, owner));
    await Deno.chmod(path, 0o640);
    assertThrows(
      () => inspectVaultFile(path, owner),
      (error: unknown) =>
        error instanceof SecurityError &&
        error.message.includes(`chmod 600 ${path}`),
    );
    await Deno.remove(path);
    await Deno.writeTextFile(join(dir.path, "elsewhere"), "", { mode: 0o600 });
    await Deno.symlink(join(dir.path, "elsewhere"), path);
    assertThrows(() => inspectVaultFile(path, owner), SecurityError);
    await Deno.remove(path);
    await Deno.mkdir(path);
    assertThrows(() => inspectVaultFile(path, owner), SecurityError);
  },
});

// A hard-linked store.db or .keyfile survived destroy()
// under its other name.
Deno.test({
  name: "hardlinks: a vault file with a second hard link is refused",
  ignore: !isPosix,
  fn: async () => {
    await using dir = await tempDir();
    const path = join(dir.path, ".keyfile");
    createExclusive(path, 0o400, new Uint8Array(32));
    await Deno.link(path, join(dir.path, "copy"));
    assertThrows(
      () => inspectVaultFile(path, null),
      (error: unknown) =>
        error instanceof SecurityError && /2 hard links/.test(error.message),
    );
  },
});

// Only mode bits were checked, so a directory another user
// prepared received this user's secrets.
Deno.test({
  name: "ownership: a vault directory or file owned by another user is refused",
  ignore: !canChown,
  fn: async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    const { owner } = vaultOwner(prepareVaultDir(vault));
    const file = join(vault, "store.db");
    createExclusive(file, 0o600);
    await Deno.chown(file, OTHER_UID, null);
    assertThrows(
      () => inspectVaultFile(file, owner),
      (error: unknown) =>
        error instanceof SecurityError && /owned by user/.test(error.message),
    );
    await Deno.remove(file);
    await Deno.chown(vault, OTHER_UID, null);
    assertThrows(() => vaultOwner(vault), SecurityError);
  },
});

Deno.test("readSmallFile reads a small regular file and refuses a large one", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, ".keyfile");
  await Deno.writeFile(path, new Uint8Array(32).fill(7));
  assertEquals(readSmallFile(path, 32), new Uint8Array(32).fill(7));
  assertEquals(readSmallFile(path, 31), null);
  assertEquals(readSmallFile(join(dir.path, "missing"), 32), null);
});

Deno.test("createExclusive never replaces a file", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, ".keyfile");
  createExclusive(path, 0o400, new Uint8Array([1, 2, 3]));
  assertThrows(
    () => createExclusive(path, 0o400),
    Deno.errors.AlreadyExists,
  );
  assertEquals(await Deno.readFile(path), new Uint8Array([1, 2, 3]));
  if (isPosix) assertEquals((Deno.statSync(path).mode ?? 0) & 0o777, 0o400);
});

Deno.test("writeAtomic replaces the file and leaves no temporary file", async () => {
  await using dir = await tempDir();
  const data = (text: string) => new TextEncoder().encode(text);
  writeAtomic(dir.path, "meta.json", data("one"), 0o600);
  writeAtomic(dir.path, "meta.json", data("two"), 0o600);
  assertEquals(await Deno.readTextFile(join(dir.path, "meta.json")), "two");
  assertEquals([...Deno.readDirSync(dir.path)].map((e) => e.name), [
    "meta.json",
  ]);
});

Deno.test("removeVaultFiles removes the engine's files and leftovers only", async () => {
  await using dir = await tempDir();
  const vault = join(dir.path, "vault");
  await Deno.mkdir(vault);
  for (
    const name of [
      "store.db",
      "store.db-wal",
      "meta.json",
      "meta.json.0123456789abcdef.tmp",
    ]
  ) {
    await Deno.writeTextFile(join(vault, name), "");
  }
  await Deno.writeTextFile(join(vault, "meta.json.bak"), "mine");
  removeVaultFiles(vault, { keepDatabase: true });
  assertEquals([...Deno.readDirSync(vault)].map((e) => e.name).sort(), [
    "meta.json.bak",
    "store.db",
    "store.db-wal",
  ]);
  removeVaultFiles(vault);
  assertEquals([...Deno.readDirSync(vault)].map((e) => e.name), [
    "meta.json.bak",
  ]);
  await Deno.remove(join(vault, "meta.json.bak"));
  await Deno.writeTextFile(join(vault, ".keyfile"), "");
  removeVaultFiles(vault);
  assertThrows(() => Deno.statSync(vault), Deno.errors.NotFound);
});
