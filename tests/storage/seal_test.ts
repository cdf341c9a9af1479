import { assert, assertEquals, assertFalse } from "../_assert.ts";
import { join } from "node:path";
import { deriveSubKeys, equalBytes, randomBytes } from "../../src/crypto.ts";
import { hashDatabase, readSeal, writeSeal } from "../../src/storage/seal.ts";
import { canRun, makeFifo, tempDir } from "../_helpers.ts";

const isPosix = Deno.build.os !== "windows";

Deno.test("hashDatabase is keyed and covers every byte", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "store.db");
  const bytes = randomBytes(3 << 20);
  await Deno.writeFile(path, bytes);
  const keys = deriveSubKeys(randomBytes(32));
  const hash = (key: Uint8Array) => {
    const mac = hashDatabase(key, path, Deno.lstatSync(path));
    if (mac === null) throw new Error("the file was not recognised");
    return mac;
  };
  const mac = hash(keys.seal);
  assert(equalBytes(hash(keys.seal), mac));
  assertFalse(equalBytes(hash(keys.row), mac));
  bytes[bytes.length - 1] ^= 1;
  await Deno.writeFile(path, bytes);
  assertFalse(equalBytes(hash(keys.seal), mac));
});

// The seal was hashed by path while SQLite reads its own
// descriptor, so a store.db swapped in between opened "sealed".
Deno.test({
  name: "seal swap: a store.db swapped in after the check is never vouched for",
  ignore: !isPosix,
  fn: async () => {
    await using dir = await tempDir();
    const path = join(dir.path, "store.db");
    await Deno.writeFile(path, randomBytes(4096));
    const checked = Deno.lstatSync(path);
    await Deno.writeFile(join(dir.path, "other.db"), randomBytes(4096));
    await Deno.rename(join(dir.path, "other.db"), path);
    assertEquals(hashDatabase(randomBytes(32), path, checked), null);
  },
});

Deno.test("the seal round-trips through meta.json, and garbage reads as none", async () => {
  await using dir = await tempDir();
  assertEquals(readSeal(dir.path), null);
  const seal = randomBytes(32);
  writeSeal(dir.path, seal, 1);
  assertEquals(readSeal(dir.path), seal);
  await Deno.writeTextFile(join(dir.path, "meta.json"), "[1,");
  assertEquals(readSeal(dir.path), null);
});

// A FIFO in place of meta.json blocked the open forever.
Deno.test({
  name:
    "FIFO meta.json: a named pipe in place of the seal reads as no seal, at once",
  ignore: !isPosix || !canRun("mkfifo"),
  fn: async () => {
    await using dir = await tempDir();
    await makeFifo(join(dir.path, "meta.json"));
    assertEquals(readSeal(dir.path), null);
  },
});
