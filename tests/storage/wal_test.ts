import { assert, assertEquals } from "../_assert.ts";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { databaseImage, scanWal } from "../../src/storage/wal.ts";
import { openImage } from "../../src/storage/store.ts";
import { tempDir } from "../_helpers.ts";

const PAGE = 4096;
const WAL_HEADER = 32;
const FRAME = 24 + PAGE;

/** A WAL database with `commits` un-checkpointed inserts after one checkpoint. */
function walDatabase(dir: string, commits: number): DatabaseSync {
  const db = new DatabaseSync(join(dir, "a.db"));
  db.exec("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0");
  db.exec("CREATE TABLE t (x INTEGER PRIMARY KEY, v BLOB)");
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  const insert = db.prepare("INSERT INTO t (x, v) VALUES (?, randomblob(700))");
  for (let i = 1; i <= commits; i++) insert.run(i);
  return db;
}

function files(dir: string): { database: Uint8Array; wal: Uint8Array } {
  return {
    database: Deno.readFileSync(join(dir, "a.db")),
    wal: Deno.readFileSync(join(dir, "a.db-wal")),
  };
}

function rowsOf(database: Uint8Array, wal: Uint8Array): number[] {
  const store = openImage(databaseImage(database, wal).image);
  try {
    return store.prepare("SELECT x FROM t ORDER BY x").all().map((row) =>
      Number(row.x)
    );
  } finally {
    store.close();
  }
}

/** What SQLite itself reads from a copy of the two files. */
async function sqliteReads(
  database: Uint8Array,
  wal: Uint8Array,
): Promise<number[]> {
  await using copy = await tempDir();
  Deno.writeFileSync(join(copy.path, "b.db"), database);
  Deno.writeFileSync(join(copy.path, "b.db-wal"), wal);
  const db = new DatabaseSync(join(copy.path, "b.db"), { readOnly: true });
  try {
    return db.prepare("SELECT x FROM t ORDER BY x").all().map((row) =>
      Number(row.x)
    );
  } finally {
    db.close();
  }
}

Deno.test("the image of a database and its WAL reads as SQLite reads them", async () => {
  await using dir = await tempDir();
  const db = walDatabase(dir.path, 12);
  const { database, wal } = files(dir.path);
  db.close();
  const scan = scanWal(wal);
  assertEquals([scan.pageSize, scan.commits, scan.damaged], [PAGE, 12, []]);
  assertEquals(rowsOf(database, wal), await sqliteReads(database, wal));
  assertEquals(rowsOf(database, wal).length, 12);
});

Deno.test("commits after a damaged frame are found, and read, where SQLite stops", async () => {
  await using dir = await tempDir();
  const db = walDatabase(dir.path, 12);
  const { database, wal } = files(dir.path);
  db.close();
  // Frame 3 is the third commit's page: flip a byte of its data.
  wal[WAL_HEADER + 2 * FRAME + 24 + PAGE - 100] ^= 1;
  const scan = scanWal(wal);
  assertEquals(scan.damaged, [3]);
  assertEquals(scan.commits, 11);
  assertEquals(scan.commitsAfterDamage, 9);
  assertEquals((await sqliteReads(database, wal)).length, 2);
  assertEquals(rowsOf(database, wal).length, 12);
});

Deno.test("a torn last transaction is a crash before acknowledgement, not damage hiding commits", async () => {
  await using dir = await tempDir();
  const db = walDatabase(dir.path, 4);
  const { wal } = files(dir.path);
  db.close();
  wal[WAL_HEADER + 3 * FRAME + 24 + 10] ^= 1;
  const scan = scanWal(wal);
  assertEquals([scan.damaged, scan.commitsAfterDamage], [[4], 0]);
});

Deno.test("frames left from before the log restarted are not read", async () => {
  await using dir = await tempDir();
  const db = walDatabase(dir.path, 8);
  db.exec("PRAGMA wal_checkpoint(RESTART)");
  db.exec("DELETE FROM t WHERE x > 2");
  const { database, wal } = files(dir.path);
  db.close();
  assert(wal.length > 3 * FRAME, "the old frames are still in the file");
  assertEquals(rowsOf(database, wal), [1, 2]);
  assertEquals(await sqliteReads(database, wal), [1, 2]);
});

Deno.test("an empty, torn or foreign WAL adds nothing to the database", async () => {
  await using dir = await tempDir();
  const db = walDatabase(dir.path, 3);
  const { database, wal } = files(dir.path);
  db.close();
  for (
    const log of [
      new Uint8Array(),
      wal.slice(0, WAL_HEADER + FRAME / 2),
      new Uint8Array(wal.length).fill(7),
    ]
  ) {
    assertEquals(scanWal(log).commits, 0);
    assertEquals(rowsOf(database, log), []);
  }
});
