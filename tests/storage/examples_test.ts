/**
 * The storage layer's own examples, moved out of its JSDoc: JSR never
 * shows storage/ (the package does not export it), so what each example
 * showed is checked here, one test per example, named for what it shows.
 *
 * @module
 */

import {
  assert,
  assertEquals,
  assertNotEquals,
  assertThrows,
} from "../_assert.ts";
import { newStore } from "../_helpers.ts";
import { deriveSubKeys, randomBytes, type SubKeys } from "../../src/crypto.ts";
import {
  Accumulator,
  decodeIntegrity,
  encodeIntegrity,
} from "../../src/storage/accumulator.ts";
import { annotationTable } from "../../src/storage/annotation_table.ts";
import { type EntryRow, versionParams } from "../../src/storage/columns.ts";
import {
  batches,
  entryRows,
  entryTable,
  markDestroyed,
} from "../../src/storage/entry_table.ts";
import {
  translateOsError,
  translateSqliteError,
} from "../../src/storage/failures.ts";
import {
  createExclusive,
  directoryOwner,
  inspectVaultFile,
  pathExists,
  prepareVaultDir,
  readSmallFile,
  vaultOwner,
  writeAtomic,
} from "../../src/storage/files.ts";
import { historyRows, historyTable } from "../../src/storage/history_table.ts";
import { readAccumulator } from "../../src/storage/integrity.ts";
import { checkLocation, resolveVaultPath } from "../../src/storage/location.ts";
import {
  annotationMac,
  destroyedMac,
  historyLimitMac,
  historyMac,
  rowMac,
  settingMac,
  slotMac,
  unversionedRowMac,
  xorInto,
} from "../../src/storage/macs.ts";
import {
  destroyedMarker,
  encodeHistoryLimit,
  metaTable,
  readFormat,
  readSingleKey,
  writeMeta,
} from "../../src/storage/meta_table.ts";
import {
  checkVaultDir,
  READ_WRITE,
  requireVaultAccess,
} from "../../src/storage/permissions.ts";
import { removeVaultFiles } from "../../src/storage/removal.ts";
import { markRewrite, rewriteIfMarked } from "../../src/storage/rewrite.ts";
import {
  entryRef,
  NAME_CELL,
  openAnnotation,
  openCell,
  openVersion,
  sealAnnotation,
  sealCell,
  valueCell,
} from "../../src/storage/rows.ts";
import { sealRow } from "../../src/storage/row_write.ts";
import {
  checkSchema,
  FORMAT_VERSION,
  isEmpty,
  SCHEMA,
  SINGLE_KEY_SCHEMA,
  type SlotRow,
} from "../../src/storage/schema.ts";
import { hashDatabase, readSeal, writeSeal } from "../../src/storage/seal.ts";
import {
  insertSlot,
  readSlots,
  replaceSlots,
} from "../../src/storage/slot_table.ts";
import {
  openImage,
  openStore,
  openWalGuard,
  type Store,
  tryCheckpoint,
} from "../../src/storage/store.ts";
import { databaseImage, scanWal } from "../../src/storage/wal.ts";

/**
 * Runs `fn` on a new database holding the current schema, in a directory
 * of its own that is removed after.
 */
async function withSchema(
  fn: (store: Store, dir: string) => void | Promise<void>,
): Promise<void> {
  const dir = Deno.makeTempDirSync();
  const store = newStore(dir);
  store.exec(SCHEMA.join(";"));
  try {
    await fn(store, dir);
  } finally {
    store.close();
    Deno.removeSync(dir, { recursive: true });
  }
}

/** Version 1 of the entry "h": name byte 110, the bytes value [1], at 5 ms. */
function firstBytesRow(keys: SubKeys): EntryRow {
  const value = {
    bytes: new Uint8Array([1]),
    kind: "bytes" as const,
    expires: null,
  };
  return sealRow(keys, {
    hash: "h",
    name: new Uint8Array([110]),
    value,
    now: 5,
  });
}

Deno.test("accumulator: encode and decode an integrity record", () => {
  const key = new Uint8Array(32);
  const record = encodeIntegrity(key, { x: new Uint8Array(32), count: 3 });
  assertEquals(decodeIntegrity(key, record).count, 3);
});

Deno.test("accumulator: keep an accumulator and read it back from its record", () => {
  const keys = deriveSubKeys(new Uint8Array(32));
  const a = Accumulator.empty(keys).addHistoryLimit(10);
  const b = Accumulator.decode(keys, a.encode());
  assert(a.matches(b));
});

Deno.test("annotation_table: store and read an annotation", () =>
  withSchema((store) => {
    const table = annotationTable(store);
    table.put({ name_hash: "h", sealed: new Uint8Array([1]) });
    assertEquals(table.get("h")?.sealed, new Uint8Array([1]));
  }));

Deno.test("columns: turn a version's columns into statement parameters", () => {
  const row = {
    name_hash: "h",
    version: 1,
    value: new Uint8Array(),
    kind: "text" as const,
    expires: null,
    updated: 5,
  };
  assertEquals(versionParams(row).length, 6);
});

Deno.test("entry_table: prepare the entries table's statements", () =>
  withSchema((store) => {
    let hashes = 0;
    entryTable(store).eachHead(() => hashes++);
    assertEquals(hashes, 0);
  }));

Deno.test("entry_table: read a table in batches", () =>
  withSchema((store) => {
    let rows = 0;
    for (const _ of batches(store, "entries", "name_hash")()) rows++;
    assertEquals(rows, 0);
  }));

Deno.test("entry_table: read every entry row", () =>
  withSchema((store) => {
    let rows = 0;
    for (const _ of entryRows(store)) rows++;
    assertEquals(rows, 0);
  }));

Deno.test("entry_table: empty a vault and mark it destroyed", () => {
  const dir = Deno.makeTempDirSync();
  Deno.writeFileSync(`${dir}/store.db`, new Uint8Array(), { mode: 0o600 });
  const store = openStore(`${dir}/store.db`, { busyTimeoutMs: 100 });
  store.exec(SCHEMA.join(";"));
  store.transaction(() => markDestroyed(store, new Uint8Array([7])));
  assertEquals(destroyedMarker(store), new Uint8Array([7]));
  store.close();
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("failures: turn a SQLite error into the engine's", () => {
  const full = Object.assign(new Error("database or disk is full"), {
    errcode: 13,
  });
  assertEquals(translateSqliteError(full, 5000).code, "STORAGE");
});

Deno.test("failures: turn a filesystem error into the engine's", () => {
  const error = translateOsError(new Deno.errors.NotADirectory("file/sub"));
  assertEquals(error.code, "INITIALIZATION");
});

Deno.test("files: tell whether anything is at a path", () => {
  const dir = Deno.makeTempDirSync();
  assert(!pathExists(`${dir}/absent`));
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("files: create the vault directory with mode 0700", () => {
  const parent = Deno.makeTempDirSync();
  const dir = prepareVaultDir(`${parent}/vault`);
  Deno.removeSync(parent, { recursive: true });
  assert(dir.endsWith("vault"));
});

Deno.test("files: learn which user owns a vault directory", () => {
  const dir = Deno.makeTempDirSync();
  assertEquals(vaultOwner(dir).writable, true);
  Deno.removeSync(dir);
});

Deno.test("files: learn a read-only vault's owner without writing", () => {
  const dir = Deno.makeTempDirSync();
  assertEquals(
    directoryOwner(dir),
    Deno.build.os === "windows" ? null : Deno.statSync(dir).uid,
  );
  Deno.removeSync(dir);
});

Deno.test("files: find no vault file where there is none", () => {
  const dir = Deno.makeTempDirSync();
  assertEquals(inspectVaultFile(`${dir}/meta.json`, null), null);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("files: read a small regular file", () => {
  const dir = Deno.makeTempDirSync();
  Deno.writeTextFileSync(`${dir}/meta.json`, "{}");
  assertEquals(readSmallFile(`${dir}/meta.json`, 64)?.length, 2);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("files: create a file that must not exist yet", () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/store.db`;
  createExclusive(path, 0o600);
  assertEquals(Deno.statSync(path).size, 0);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("files: replace a file atomically", () => {
  const dir = Deno.makeTempDirSync();
  writeAtomic(dir, "meta.json", new TextEncoder().encode("{}"), 0o600);
  assertEquals(Deno.readTextFileSync(`${dir}/meta.json`), "{}");
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("history_table: prepare the history table's statements", () =>
  withSchema((store) => {
    assertEquals(historyTable(store).versions("h").length, 0);
  }));

Deno.test("history_table: read every earlier version", () =>
  withSchema((store) => {
    let rows = 0;
    for (const _ of historyRows(store)) rows++;
    assertEquals(rows, 0);
  }));

Deno.test("integrity: refuse a vault whose integrity record is missing", () =>
  withSchema((store) => {
    try {
      readAccumulator(entryTable(store), deriveSubKeys(new Uint8Array(32)));
    } catch (error) {
      assert(error instanceof Error && error.name === "IntegrityError");
    }
  }));

Deno.test("location: refuse an empty path", () => {
  assertThrows(() => checkLocation({ path: "" }), /non-empty/);
});

Deno.test("location: resolve a relative vault path", () => {
  assert(resolveVaultPath({ path: "./.secrets" }).endsWith(".secrets"));
});

Deno.test("macs: mAC an entry row", () => {
  const row = {
    name_hash: "h",
    name: new Uint8Array(1),
    value: new Uint8Array(1),
    kind: "text" as const,
    expires: null,
    version: 1,
    created: 1,
    updated: 2,
  };
  assertEquals(rowMac(new Uint8Array(32), row).length, 32);
});

Deno.test("macs: mAC an earlier version apart from entries", () => {
  const row = {
    name_hash: "h",
    value: new Uint8Array(1),
    kind: "text" as const,
    expires: null,
    version: 1,
    updated: 2,
  };
  assertEquals(historyMac(new Uint8Array(32), row).length, 32);
});

Deno.test("macs: an annotation's MAC depends on its entry", () => {
  const key = new Uint8Array(32);
  const sealed = new Uint8Array([1, 2]);
  const a = annotationMac(key, { name_hash: "a", sealed });
  const b = annotationMac(key, { name_hash: "b", sealed });
  assertNotEquals(a, b);
});

Deno.test("macs: mAC an entry row of formats 1 to 3", () => {
  const row = {
    name_hash: "h",
    name: new Uint8Array(1),
    value: new Uint8Array(1),
    created: 1,
    updated: 2,
  };
  assertEquals(unversionedRowMac(new Uint8Array(32), row).length, 32);
});

Deno.test("macs: mAC a vault setting", () => {
  assertEquals(
    settingMac(new Uint8Array(32), "history_limit", new Uint8Array([49]))
      .length,
    32,
  );
});

Deno.test("macs: mAC a key slot", () => {
  const slot = {
    id: "a1",
    kind: "key",
    label: "",
    created: 1,
    kdf: "{}",
    salt: new Uint8Array(32),
    factors: "[]",
    wrapped: new Uint8Array(60),
  };
  assertEquals(slotMac(new Uint8Array(32), slot).length, 32);
});

Deno.test("macs: mAC the history limit setting", () => {
  assertEquals(
    historyLimitMac(deriveSubKeys(new Uint8Array(32)), 10).length,
    32,
  );
});

Deno.test("macs: make the destroyed marker", () => {
  assertEquals(destroyedMac(deriveSubKeys(new Uint8Array(32))).length, 32);
});

Deno.test("macs: add and remove a MAC with the same XOR", () => {
  const x = new Uint8Array([1, 2]);
  xorInto(x, new Uint8Array([1, 2]));
  assert(x.every((b) => b === 0));
});

Deno.test("meta_table: encode a history limit for the meta table", () => {
  assertEquals(new TextDecoder().decode(encodeHistoryLimit(10)), "10");
});

Deno.test("meta_table: read the history limit of a new vault", () =>
  withSchema((store) => {
    assertEquals(metaTable(store, true).destroyedMarker(), null);
  }));

Deno.test("permissions: require read and write on a vault directory", () => {
  const dir = Deno.makeTempDirSync();
  requireVaultAccess(dir);
  Deno.removeSync(dir);
});

Deno.test("permissions: check a new vault directory", () => {
  const parent = Deno.makeTempDirSync();
  assertEquals(checkVaultDir(`${parent}/vault`, READ_WRITE).writable, true);
  Deno.removeSync(parent, { recursive: true });
});

Deno.test("removal: remove a vault's own files", () => {
  const dir = Deno.makeTempDirSync();
  Deno.writeTextFileSync(`${dir}/notes.txt`, "mine");
  Deno.writeTextFileSync(`${dir}/store.db`, "engine's");
  removeVaultFiles(dir, { wipe: true });
  assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["notes.txt"]);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("rewrite: mark a vault for a rewrite and carry it out", () => {
  const dir = Deno.makeTempDirSync();
  Deno.writeFileSync(`${dir}/store.db`, new Uint8Array(), { mode: 0o600 });
  const store = openStore(`${dir}/store.db`, { busyTimeoutMs: 100 });
  store.exec(SCHEMA.join(";"));
  store.transaction(() => markRewrite(store));
  assertEquals(rewriteIfMarked(store), true);
  assertEquals(rewriteIfMarked(store), false);
  store.close();
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("rows: name an entry by its hash prefix", () => {
  assertEquals(entryRef("abcdefghijklmnop"), "entry abcdefgh");
});

Deno.test("rows: seal a cell of an entry", () => {
  const keys = deriveSubKeys(randomBytes(32));
  const sealed = sealCell(keys, NAME_CELL, "h", new Uint8Array([110]));
  assertEquals(openCell(keys, NAME_CELL, "h", sealed)[0], 110);
});

Deno.test("rows: seal the next version of an entry", () => {
  const keys = deriveSubKeys(randomBytes(32));
  const row = firstBytesRow(keys);
  assert(row.created === 5 && row.version === 1);
});

Deno.test("rows: open a sealed cell, refusing one moved elsewhere", () => {
  const keys = deriveSubKeys(randomBytes(32));
  const row = firstBytesRow(keys);
  const cell = { field: "value" as const, version: 1, kind: "bytes" as const };
  assertEquals(openCell(keys, cell, "h", row.value)[0], 1);
});

Deno.test("rows: open a stored version's value", () => {
  const keys = deriveSubKeys(randomBytes(32));
  const row = firstBytesRow(keys);
  assertEquals(openVersion(keys, row)[0], 1);
});

Deno.test("rows: find the cell a version's value is sealed for", () => {
  const row = {
    name_hash: "h",
    version: 2,
    value: new Uint8Array(),
    kind: "text" as const,
    expires: null,
    updated: 0,
  };
  assertEquals(valueCell(row).field, "value");
});

Deno.test("rows: seal and open an annotation", () => {
  const keys = deriveSubKeys(randomBytes(32));
  const annotation = {
    note: "rotate in the dashboard",
    tags: ["prod"],
    rotateEvery: 86_400_000,
  };
  const sealed = sealAnnotation(keys, "h", annotation);
  assertEquals(openAnnotation(keys, "h", sealed), annotation);
  assertThrows(() => openAnnotation(keys, "other", sealed));
});

Deno.test("schema: tell a new database from a vault", () => {
  const dir = Deno.makeTempDirSync();
  const store = newStore(dir);
  assert(isEmpty(store));
  store.close();
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("schema: accept the engine's own schema", () =>
  withSchema((store) => {
    checkSchema(store);
  }));

Deno.test("seal: hash a database file in chunks", () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/store.db`;
  Deno.writeFileSync(path, new Uint8Array(10));
  const seal = hashDatabase(new Uint8Array(32), path, Deno.lstatSync(path));
  assertEquals(seal?.length, 32);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("seal: read no seal where there is none", () => {
  const dir = Deno.makeTempDirSync();
  assertEquals(readSeal(dir), null);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("seal: write a seal and read it back", () => {
  const dir = Deno.makeTempDirSync();
  writeSeal(dir, new Uint8Array(32), 1);
  assertEquals(readSeal(dir)?.length, 32);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("slot_table: read every key slot", () =>
  withSchema((store) => {
    assertEquals(readSlots(store).length, 0);
  }));

/** A key slot row `id` whose wrapped key is the one byte `wrapped`. */
function slotRow(id: string, wrapped: number): SlotRow {
  return {
    id,
    kind: "key",
    label: id,
    created: 1,
    kdf: "{}",
    salt: new Uint8Array([1]),
    factors: "[]",
    wrapped: new Uint8Array([wrapped]),
  };
}

Deno.test("slot_table: replace the slots read, unless another process changed them", () =>
  withSchema((store) => {
    const [a, b] = [slotRow("aaaaaaaa", 1), slotRow("bbbbbbbb", 2)];
    insertSlot(store, a);
    insertSlot(store, b);
    const stale = [a, { ...b, wrapped: new Uint8Array([9]) }];
    const kept = new Map([[a.id, { ...a, wrapped: new Uint8Array([3]) }]]);
    // Rows come back from SQLite as null-prototype objects.
    const slots = () => readSlots(store).map((row) => ({ ...row }));
    assertEquals(replaceSlots(store, stale, kept), null);
    assertEquals(slots(), [a, b]);
    assertEquals(replaceSlots(store, [a, b], kept), [b]);
    assertEquals(slots(), [...kept.values()]);
  }));

Deno.test("store: open a vault database in WAL mode", () => {
  const dir = Deno.makeTempDirSync();
  Deno.writeFileSync(`${dir}/store.db`, new Uint8Array(), { mode: 0o600 });
  const store = openStore(`${dir}/store.db`, { busyTimeoutMs: 1000 });
  store.exec("CREATE TABLE t (x)");
  store.transaction(() => store.prepare("INSERT INTO t VALUES (?)").run(1));
  assertEquals(store.prepare("SELECT x FROM t").get()?.x, 1);
  store.close();
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("store: hold a WAL open while a vault verifies", () => {
  const dir = Deno.makeTempDirSync();
  Deno.writeFileSync(`${dir}/store.db`, new Uint8Array(), { mode: 0o600 });
  const store = openStore(`${dir}/store.db`, { busyTimeoutMs: 100 });
  store.exec("CREATE TABLE t (x); INSERT INTO t VALUES (1)");
  const guard = openWalGuard(`${dir}/store.db`, { busyTimeoutMs: 100 });
  store.close();
  guard.close();
  assert(Deno.statSync(`${dir}/store.db-wal`).size > 0);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("store: open a database image from memory", () => {
  const dir = Deno.makeTempDirSync();
  Deno.writeFileSync(`${dir}/store.db`, new Uint8Array(), { mode: 0o600 });
  const store = openStore(`${dir}/store.db`, { busyTimeoutMs: 100 });
  store.exec("CREATE TABLE t (x); INSERT INTO t VALUES (7)");
  store.close();
  const image = openImage(Deno.readFileSync(`${dir}/store.db`));
  assertEquals(image.prepare("SELECT x FROM t").get()?.x, 7);
  image.close();
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("store: checkpoint and truncate the WAL", () => {
  const dir = Deno.makeTempDirSync();
  Deno.writeFileSync(`${dir}/store.db`, new Uint8Array(), { mode: 0o600 });
  const store = openStore(`${dir}/store.db`, { busyTimeoutMs: 100 });
  store.exec("CREATE TABLE t (x)");
  assertEquals(tryCheckpoint(store), true);
  assertEquals(Deno.statSync(`${dir}/store.db-wal`).size, 0);
  store.close();
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("wal: scan an empty WAL", () => {
  assertEquals(scanWal(new Uint8Array()).commits, 0);
});

Deno.test("wal: build a database image from its file and WAL", () => {
  const { image, wal } = databaseImage(new Uint8Array(4096), new Uint8Array());
  assertEquals(image.length, 4096);
  assertEquals(wal.commits, 0);
});

Deno.test("meta_table: read a new vault's format", () =>
  withSchema((store) => {
    writeMeta(store, new Uint8Array(32), new Uint8Array(72), 10);
    assertEquals(readFormat(store), FORMAT_VERSION);
  }));

Deno.test("meta_table: read the key record of a format 2 vault", () => {
  const dir = Deno.makeTempDirSync();
  const store = newStore(dir);
  store.exec(SINGLE_KEY_SCHEMA.join(";"));
  const insert = store.prepare("INSERT INTO meta (key, value) VALUES (?, ?)");
  const text = (value: unknown) =>
    new TextEncoder().encode(JSON.stringify(value));
  insert.run("format", text(2));
  insert.run("kdf", text({ N: 1024, r: 8, p: 1 }));
  insert.run("salt", new Uint8Array(32));
  insert.run("factors", text([]));
  insert.run("key", new Uint8Array(60));
  assertEquals(readSingleKey(store).kdf.N, 1024);
  store.close();
  Deno.removeSync(dir, { recursive: true });
});
