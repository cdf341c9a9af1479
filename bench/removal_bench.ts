/**
 * What leaving nothing behind costs a write (docs/security.md, "Removal"):
 * `secure_delete` on a delete, the TRUNCATE checkpoint after a write that
 * discards a ciphertext, and the rewrite a slot change or a rotation
 * runs; each beside the same work without it, on a 1,000-entry vault.
 *
 *     deno task bench
 *
 * @module
 */

import { join } from "node:path";
import { MAX_HISTORY_LIMIT, SecretsEngine } from "../mod.ts";
import { openStore, type Store } from "../src/storage/store.ts";

const SIZE = 1000;
const VALUE = "v".repeat(64);

async function engineAt(historyLimit: number): Promise<SecretsEngine> {
  const path = await Deno.makeTempDir({ prefix: "secrets-bench-" });
  const engine = await SecretsEngine.open({ path, historyLimit });
  await engine.setMany(
    Array.from({ length: SIZE }, (_, i) => [`svc${i}`, VALUE] as const),
  );
  return engine;
}

/** A bare store like the vault's, with `secure_delete` as given. */
function storeWith(secureDelete: boolean): { store: Store; dir: string } {
  const dir = Deno.makeTempDirSync({ prefix: "secrets-bench-" });
  Deno.writeFileSync(join(dir, "store.db"), new Uint8Array(), { mode: 0o600 });
  const store = openStore(join(dir, "store.db"), { busyTimeoutMs: 1000 });
  store.exec(`PRAGMA secure_delete = ${secureDelete ? "ON" : "OFF"}`);
  // Without the fsync, which would drown it, what zeroing costs shows.
  store.exec("PRAGMA synchronous = OFF");
  store.exec(
    "CREATE TABLE t (k TEXT PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID",
  );
  const insert = store.prepare("INSERT INTO t VALUES (?, randomblob(100))");
  store.transaction(() => {
    for (let i = 0; i < SIZE; i++) insert.run(`k${i}`);
  });
  return { store, dir };
}

// The largest limit: no set in the run prunes, so none checkpoints.
const kept = await engineAt(MAX_HISTORY_LIMIT);
const unkept = await engineAt(0);
const rotated = await engineAt(MAX_HISTORY_LIMIT);
const secure = storeWith(true);
const plain = storeWith(false);
let n = 0;

for (
  const [name, { store }, baseline] of [
    ["delete and re-insert a row, secure_delete on", secure, false],
    ["delete and re-insert a row, secure_delete off", plain, true],
  ] as const
) {
  const remove = store.prepare("DELETE FROM t WHERE k = ?");
  const insert = store.prepare("INSERT INTO t VALUES (?, randomblob(100))");
  Deno.bench(name, { group: "secure_delete", baseline }, () => {
    const key = `k${n++ % SIZE}`;
    store.transaction(() => {
      remove.run(key);
      insert.run(key);
    });
  });
}

Deno.bench("set, keeping the old value as history", {
  group: "checkpoint",
  baseline: true,
}, async () => {
  await kept.set(`svc${n % SIZE}`, `${VALUE}${n++}`);
});
Deno.bench("set, discarding the old value (history limit 0: checkpoint)", {
  group: "checkpoint",
}, async () => {
  await unkept.set(`svc${n % SIZE}`, `${VALUE}${n++}`);
});
Deno.bench("add and remove a key slot (two rewrites)", {
  group: "rewrite",
}, async () => {
  const { slot } = await kept.addKey();
  await kept.removeSlot(slot.id);
});

Deno.bench("rotate (every row resealed, recounted twice, one rewrite)", {
  group: "rewrite",
}, async () => {
  await rotated.rotate();
});

globalThis.addEventListener("unload", () => {
  for (const engine of [kept, unkept, rotated]) {
    const path = engine.storagePath;
    engine.close();
    Deno.removeSync(path, { recursive: true });
  }
  for (const { store, dir } of [secure, plain]) {
    store.close();
    Deno.removeSync(dir, { recursive: true });
  }
});
