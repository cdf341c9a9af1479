import { assertEquals } from "../_assert.ts";
import { historyRows, historyTable } from "../../src/storage/history_table.ts";
import { SCHEMA } from "../../src/storage/schema.ts";
import type { HistoryRow } from "../../src/storage/columns.ts";
import { newStore, tempDir } from "../_helpers.ts";

function version(hash: string, number: number): HistoryRow {
  return {
    name_hash: hash,
    version: number,
    value: new Uint8Array([number]),
    kind: "text",
    expires: number % 2 === 0 ? null : number * 1000,
    updated: number,
  };
}

Deno.test("the history table keeps versions per entry, newest first, and finds those beyond a limit", async () => {
  await using dir = await tempDir();
  const store = newStore(dir.path);
  try {
    store.exec(SCHEMA.join(";"));
    const history = historyTable(store);
    for (let n = 1; n <= 5; n++) history.put(version("a", n));
    for (let n = 1; n <= 2; n++) history.put(version("b", n));
    assertEquals(history.versions("a").map((v) => v.version), [5, 4, 3, 2, 1]);
    assertEquals({ ...history.version("a", 3) }, version("a", 3));
    assertEquals(history.version("a", 9), undefined);
    assertEquals(history.beyond("a", 3).map((v) => v.version), [2, 1]);
    assertEquals(history.beyond("b", 3), []);
    const pairs = (rows: HistoryRow[]) =>
      rows.map((v) => [v.name_hash, v.version]);
    assertEquals(pairs(history.beyondBatch(1, ["", 0], 100)), [
      ["a", 1],
      ["a", 2],
      ["a", 3],
      ["a", 4],
      ["b", 1],
    ]);
    assertEquals(pairs(history.beyondBatch(1, ["", 0], 2)), [
      ["a", 1],
      ["a", 2],
    ]);
    assertEquals(pairs(history.beyondBatch(1, ["a", 4], 100)), [["b", 1]]);
    assertEquals(pairs(history.beyondBatch(0, ["a", 5], 100)), [
      ["b", 1],
      ["b", 2],
    ]);
    history.remove("a", 5);
    history.removeAll("b");
    assertEquals(history.versions("a").length, 4);
    assertEquals(history.versions("b"), []);
  } finally {
    store.close();
  }
});

Deno.test("historyRows yields every version once, across batches", async () => {
  await using dir = await tempDir();
  const store = newStore(dir.path);
  try {
    store.exec(SCHEMA.join(";"));
    const history = historyTable(store);
    const hashes = Array.from({ length: 70 }, (_, i) => `h${i}`);
    store.transaction(() => {
      for (const hash of hashes) {
        for (let n = 1; n <= 9; n++) history.put(version(hash, n));
      }
    });
    const seen = new Set<string>();
    for (const row of historyRows(store)) {
      seen.add(`${row.name_hash}/${row.version}`);
    }
    assertEquals(seen.size, 70 * 9);
  } finally {
    store.close();
  }
});
