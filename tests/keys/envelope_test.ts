import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { join } from "node:path";
import {
  IntegrityError,
  KeyMismatchError,
  SecretsEngineError,
} from "../../src/errors.ts";
import { createVault, unlockVault } from "../../src/keys/envelope.ts";
import { vaultOwner } from "../../src/storage/vault_files.ts";
import { newStore, tempDir } from "../_helpers.ts";

Deno.test("a created vault unlocks to the same data key, once", async () => {
  await using dir = await tempDir();
  const owner = vaultOwner(dir.path);
  const store = newStore(dir.path);
  try {
    const created = await createVault(store, dir.path, []);
    if (created === null) throw new Error("an empty database was not created");
    const dek = created.dek.slice();
    assertEquals((await Deno.stat(join(dir.path, ".keyfile"))).size, 32);
    assertEquals(await createVault(store, dir.path, []), null);
    const unlocked = await unlockVault(store, dir.path, owner);
    assertEquals(unlocked.dek, dek);
    assertEquals(unlocked.meta.factors, []);
    assertEquals(unlocked.meta.format, 2);
  } finally {
    store.close();
  }
});

Deno.test("another keyfile does not unwrap the data key", async () => {
  await using dir = await tempDir();
  const owner = vaultOwner(dir.path);
  const store = newStore(dir.path);
  try {
    await createVault(store, dir.path, []);
    const keyfile = join(dir.path, ".keyfile");
    await Deno.remove(keyfile);
    await Deno.writeFile(keyfile, crypto.getRandomValues(new Uint8Array(32)), {
      mode: 0o400,
    });
    await assertRejects(
      () => unlockVault(store, dir.path, owner),
      KeyMismatchError,
    );
  } finally {
    store.close();
  }
});

// A crash after the creating transaction committed and before the pending
// keyfile was renamed: the next open must use it, not lose the vault.
Deno.test("a committed vault whose keyfile is still pending unlocks and promotes it", async () => {
  await using dir = await tempDir();
  const owner = vaultOwner(dir.path);
  const store = newStore(dir.path);
  try {
    await createVault(store, dir.path, []);
    await Deno.rename(
      join(dir.path, ".keyfile"),
      join(dir.path, ".keyfile.pending"),
    );
    await unlockVault(store, dir.path, owner);
    assert((await Deno.stat(join(dir.path, ".keyfile"))).isFile);
  } finally {
    store.close();
  }
});

// Issue #9, item 13: a 1 GiB keyfile was read whole before its length was
// checked. A sparse file costs no disk here.
Deno.test("huge keyfile: its size is checked before a byte is read", async () => {
  await using dir = await tempDir();
  const owner = vaultOwner(dir.path);
  const store = newStore(dir.path);
  try {
    await createVault(store, dir.path, []);
    const keyfile = join(dir.path, ".keyfile");
    await Deno.chmod(keyfile, 0o600);
    await Deno.truncate(keyfile, 2 ** 30);
    const error = await assertRejects(
      () => unlockVault(store, dir.path, owner),
      KeyMismatchError,
    );
    assert(error.message.includes(`${2 ** 30} bytes`));
  } finally {
    store.close();
  }
});

// Issue #9, item 8: stored scrypt parameters of N=2^22, r=32, p=16 made an
// open take minutes and 16 GiB; a changed field must fail, not run.
Deno.test("unbounded KDF: parameters above the maxima are refused before deriving", async () => {
  await using dir = await tempDir();
  const owner = vaultOwner(dir.path);
  const store = newStore(dir.path);
  try {
    await createVault(store, dir.path, []);
    const setKdf = store.prepare("UPDATE meta SET value = ? WHERE key = 'kdf'");
    const encode = (value: unknown) =>
      new TextEncoder().encode(JSON.stringify(value));
    setKdf.run(encode({ N: 2 ** 22, r: 32, p: 16 }));
    await assertRejects(
      () => unlockVault(store, dir.path, owner),
      IntegrityError,
    );
    // Within the maxima, but not what the key was wrapped with.
    setKdf.run(encode({ N: 2 ** 14, r: 8, p: 1 }));
    await assertRejects(
      () => unlockVault(store, dir.path, owner),
      KeyMismatchError,
    );
  } finally {
    store.close();
  }
});

Deno.test("unbounded KDF: every bound meta field fails the unwrap when changed", async () => {
  const changes: [string, unknown][] = [
    ["format", 1],
    ["factors", ["hostname"]],
    ["salt", new Uint8Array(32)],
  ];
  for (const [key, value] of changes) {
    await using dir = await tempDir();
    const owner = vaultOwner(dir.path);
    const store = newStore(dir.path);
    try {
      await createVault(store, dir.path, []);
      const stored = value instanceof Uint8Array
        ? value
        : new TextEncoder().encode(JSON.stringify(value));
      store.prepare("UPDATE meta SET value = ? WHERE key = ?").run(stored, key);
      const error = await assertRejects(
        () => unlockVault(store, dir.path, owner),
        SecretsEngineError,
      );
      // Reading the hostname needs --allow-sys, which the tests do not grant.
      const codes = key === "factors"
        ? ["PERMISSION", "KEY_MISMATCH"]
        : ["KEY_MISMATCH"];
      assert(codes.includes(error.code), `${key}: ${error.code}`);
    } finally {
      store.close();
    }
  }
});
