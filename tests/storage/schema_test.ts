import { assertEquals, assertThrows } from "../_assert.ts";
import { InitializationError, IntegrityError } from "../../src/errors.ts";
import {
  checkSchema,
  isEmpty,
  SCHEMA,
  SINGLE_KEY_SCHEMA,
} from "../../src/storage/schema.ts";
import {
  readFormat,
  readKeyCheck,
  readSingleKey,
  writeMeta,
} from "../../src/storage/meta_table.ts";
import type { Store } from "../../src/storage/store.ts";
import { newStore, tempDir } from "../_helpers.ts";

const encoder = new TextEncoder();

async function withStore(fn: (store: Store) => void): Promise<void> {
  await using dir = await tempDir();
  const store = newStore(dir.path);
  try {
    fn(store);
  } finally {
    store.close();
  }
}

function setMeta(
  store: Store,
  key: string,
  value: string | Uint8Array,
): void {
  const stored = typeof value === "string" ? encoder.encode(value) : value;
  store.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)")
    .run(key, stored);
}

Deno.test("meta round-trips and an empty database is recognised", () =>
  withStore((store) => {
    assertEquals(isEmpty(store), true);
    store.exec(SCHEMA.join(";"));
    assertEquals(isEmpty(store), false);
    checkSchema(store);
    writeMeta(store, new Uint8Array(32).fill(5), new Uint8Array(72), 10);
    assertEquals(readFormat(store), 7);
    assertEquals(readKeyCheck(store), new Uint8Array(32).fill(5));
  }));

Deno.test("objects beyond the engine's schema are an IntegrityError", () =>
  withStore((store) => {
    store.exec(SCHEMA.join(";"));
    store.exec("CREATE VIEW v AS SELECT * FROM meta");
    assertThrows(() => checkSchema(store), IntegrityError);
  }));

Deno.test("a format 1 or 2 vault must have the schema before slots", () =>
  withStore((store) => {
    store.exec(SINGLE_KEY_SCHEMA.join(";"));
    checkSchema(store, 2);
    assertThrows(() => checkSchema(store, 3), IntegrityError);
    assertThrows(() => checkSchema(store, 4), IntegrityError);
    assertThrows(() => checkSchema(store, 5), IntegrityError);
    assertThrows(() => checkSchema(store, 6), IntegrityError);
    assertThrows(() => checkSchema(store, 7), IntegrityError);
  }));

Deno.test("a newer format is an InitializationError naming both, bad meta an IntegrityError", () =>
  withStore((store) => {
    store.exec(SINGLE_KEY_SCHEMA.join(";"));
    setMeta(store, "format", "8");
    assertThrows(
      () => readFormat(store),
      (error) =>
        error instanceof InitializationError &&
        /format 8.*up to 7/.test(error.message),
    );
    setMeta(store, "format", "2");
    setMeta(store, "kdf", '{"N":1024,"r":8,"p":1}');
    setMeta(store, "salt", new Uint8Array(32));
    setMeta(store, "factors", "[]");
    setMeta(store, "key", new Uint8Array(60));
    assertEquals(readSingleKey(store).kdf.N, 1024);
    setMeta(store, "kdf", '{"N":1000,"r":8,"p":1}');
    assertThrows(() => readSingleKey(store), IntegrityError);
    setMeta(store, "kdf", '{"N":1024,"r":8,"p":1}');
    setMeta(store, "factors", "[1]");
    assertThrows(() => readSingleKey(store), IntegrityError);
    setMeta(store, "factors", "[]");
    store.exec("DELETE FROM meta WHERE key = 'salt'");
    assertThrows(() => readSingleKey(store), IntegrityError);
  }));
