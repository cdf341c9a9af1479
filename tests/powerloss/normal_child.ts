/**
 * The harness's own test: SQLite in WAL mode with `synchronous=NORMAL`,
 * which acknowledges commits it has not synced. Inserts rows one at a time,
 * printing `ack N` after each commit and waiting for a line on stdin.
 *
 *     deno run --allow-read=<dir> --allow-write=<dir> normal_child.ts <dir>
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";

const [dir] = Deno.args;
const db = new DatabaseSync(`${dir}/t.db`);
db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL");
db.exec("CREATE TABLE IF NOT EXISTS t (x)");
const lines = Deno.stdin.readable.pipeThrough(new TextDecoderStream())
  .getReader();
const insert = db.prepare("INSERT INTO t VALUES (?)");
for (let i = 0; i < 4; i++) {
  insert.run(i);
  Deno.stdout.writeSync(new TextEncoder().encode(`ack ${i}\n`));
  await lines.read();
}
db.close();
await lines.cancel();
