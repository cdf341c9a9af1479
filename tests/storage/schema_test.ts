import { assertEquals } from "../_assert.ts";
import assertStrict from "node:assert/strict";
import { InitializationError, IntegrityError } from "../../src/errors.ts";
import {
  checkSchema,
  isEmpty,
  readMeta,
  SCHEMA,
  type VaultMeta,
  writeMeta,
} from "../../src/storage/schema.ts";
import type { Store } from "../../src/storage/store.ts";
import { newStore, tempDir } from "../_helpers.ts";

const meta: VaultMeta = {
  format: 1,
  kdf: { N: 1024, r: 8, p: 1 },
  salt: new Uint8Array(32).fill(7),
  factors: ["hostname", "user"],
  wrappedKey: new Uint8Array(60).fill(9),
};

async function withStore(fn: (store: Store) => void): Promise<void> {
  await using dir = await tempDir();
  const store = newStore(dir.path);
  try {
    fn(store);
  } finally {
    store.close();
  }
}

Deno.test("meta round-trips and an empty database is recognised", () =>
  withStore((store) => {
    assertEquals(isEmpty(store), true);
    store.exec(SCHEMA.join(";"));
    assertEquals(isEmpty(store), false);
    checkSchema(store);
    writeMeta(store, meta, new Uint8Array(72));
    assertEquals(readMeta(store), meta);
  }));

Deno.test("objects beyond the engine's schema are an IntegrityError", () =>
  withStore((store) => {
    store.exec(SCHEMA.join(";"));
    store.exec("CREATE VIEW v AS SELECT * FROM meta");
    assertStrict.throws(() => checkSchema(store), IntegrityError);
  }));

Deno.test("a newer format is an InitializationError, bad meta an IntegrityError", () =>
  withStore((store) => {
    store.exec(SCHEMA.join(";"));
    writeMeta(store, meta, new Uint8Array(72));
    const set = store.prepare("UPDATE meta SET value = ? WHERE key = ?");
    set.run(new TextEncoder().encode("3"), "format");
    assertStrict.throws(() => readMeta(store), InitializationError);
    set.run(new TextEncoder().encode("1"), "format");
    set.run(new TextEncoder().encode('{"N":1000,"r":8,"p":1}'), "kdf");
    assertStrict.throws(() => readMeta(store), IntegrityError);
    set.run(new TextEncoder().encode('{"N":1024,"r":8,"p":1}'), "kdf");
    set.run(new TextEncoder().encode("[1]"), "factors");
    assertStrict.throws(() => readMeta(store), IntegrityError);
    set.run(new TextEncoder().encode("[]"), "factors");
    store.exec("DELETE FROM meta WHERE key = 'salt'");
    assertStrict.throws(() => readMeta(store), IntegrityError);
  }));
