import { assertEquals, assertRejects } from "./_assert.ts";
import { join } from "node:path";
import { KeyMismatchError } from "../src/errors.ts";
import { createVault, unlockVault } from "../src/keys.ts";
import { newStore, tempDir } from "./_helpers.ts";

Deno.test("a created vault unlocks to the same data key, once", async () => {
  await using dir = await tempDir();
  const store = newStore(dir.path);
  try {
    const created = await createVault(store, dir.path, []);
    if (created === null) throw new Error("an empty database was not created");
    assertEquals((await Deno.stat(join(dir.path, ".keyfile"))).size, 32);
    assertEquals(await createVault(store, dir.path, []), null);
    const unlocked = await unlockVault(store, dir.path);
    assertEquals(unlocked.dek, created.dek);
    assertEquals(unlocked.meta.factors, []);
  } finally {
    store.close();
  }
});

Deno.test("another keyfile does not unwrap the data key", async () => {
  await using dir = await tempDir();
  const store = newStore(dir.path);
  try {
    await createVault(store, dir.path, []);
    const keyfile = join(dir.path, ".keyfile");
    await Deno.remove(keyfile);
    await Deno.writeFile(keyfile, crypto.getRandomValues(new Uint8Array(32)), {
      mode: 0o400,
    });
    await assertRejects(() => unlockVault(store, dir.path), KeyMismatchError);
  } finally {
    store.close();
  }
});
