import {
  assert,
  assertEquals,
  assertNotEquals,
  assertRejects,
  assertThrows,
} from "../_assert.ts";
import { join } from "node:path";
import {
  IntegrityError,
  KeyMismatchError,
  SecretsEngineError,
  ValidationError,
} from "../../src/errors.ts";
import { createVault } from "../../src/vault/create.ts";
import {
  type Unlocked,
  unlockVault,
  type VaultRequest,
} from "../../src/keys/unlock.ts";
import { checkUnlock } from "../../src/keys/unlock_options.ts";
import { formatRecoveryKey } from "../../src/keys/recovery_key.ts";
import type { SqlValue, Store } from "../../src/storage/store.ts";
import { vaultOwner } from "../../src/storage/files.ts";
import { newStore, tempDir } from "../_helpers.ts";
import type { Unlock } from "../../src/types.ts";

/** A vault created in a temporary directory, with a way to unlock it. */
interface Created {
  dir: string;
  store: Store;
  created: Unlocked;
  unlock(with_?: Unlock): Promise<Unlocked>;
}

function request(unlock?: Unlock): VaultRequest {
  return { unlock, recover: false, factors: [], historyLimit: 10 };
}

async function withVault(fn: (vault: Created) => Promise<void>): Promise<void> {
  await using dir = await tempDir();
  const { owner } = vaultOwner(dir.path);
  const store = newStore(dir.path);
  try {
    const created = await createVault(store, dir.path, request());
    if (created === null) throw new Error("an empty database was not created");
    await fn({
      dir: dir.path,
      store,
      created,
      unlock: (unlock) => unlockVault(store, dir.path, owner, request(unlock)),
    });
  } finally {
    store.close();
  }
}

function setSlot(store: Store, column: string, value: SqlValue): void {
  store.prepare(`UPDATE slots SET ${column} = ?`).run(value);
}

Deno.test("a created vault has one machine slot (HKDF) and unlocks to the same data key, once", () =>
  withVault(async ({ dir, store, created, unlock }) => {
    const dek = created.dek.slice();
    assertEquals((await Deno.stat(join(dir, ".keyfile"))).size, 32);
    assertEquals(await createVault(store, dir, request()), null);
    const unlocked = await unlock();
    assertEquals(unlocked.dek, dek);
    assertEquals(unlocked.format, 7);
    assertEquals(unlocked.slot.kind, "machine");
    assertEquals(unlocked.slot.kdf, { name: "hkdf" });
  }));

Deno.test("another keyfile does not unwrap the data key", () =>
  withVault(async ({ dir, unlock }) => {
    const keyfile = join(dir, ".keyfile");
    await Deno.remove(keyfile);
    await Deno.writeFile(keyfile, crypto.getRandomValues(new Uint8Array(32)), {
      mode: 0o400,
    });
    await assertRejects(unlock, KeyMismatchError);
  }));

// A crash after the creating transaction committed and before the pending
// keyfile was renamed: the next open must use it, not lose the vault.
Deno.test("a committed vault whose keyfile is still pending unlocks and promotes it", () =>
  withVault(async ({ dir, unlock }) => {
    await Deno.rename(join(dir, ".keyfile"), join(dir, ".keyfile.pending"));
    await unlock();
    assert((await Deno.stat(join(dir, ".keyfile"))).isFile);
  }));

// A crash after a rebind committed and before its keyfile was promoted:
// `.keyfile` is the old key, `.keyfile.pending` opens the machine slot.
Deno.test("a stale .keyfile beside a pending keyfile that opens the slot: the pending one wins", () =>
  withVault(async ({ dir, unlock }) => {
    const keyfile = join(dir, ".keyfile");
    await Deno.rename(keyfile, join(dir, ".keyfile.pending"));
    const stale = crypto.getRandomValues(new Uint8Array(32));
    await Deno.writeFile(keyfile, stale, { mode: 0o400 });
    await unlock();
    assertNotEquals(await Deno.readFile(keyfile), stale);
    await assertRejects(
      () => Deno.stat(join(dir, ".keyfile.pending")),
      Deno.errors.NotFound,
    );
  }));

Deno.test("huge keyfile: its size is checked before a byte is read", () =>
  withVault(async ({ dir, unlock }) => {
    const keyfile = join(dir, ".keyfile");
    await Deno.chmod(keyfile, 0o600);
    await Deno.truncate(keyfile, 2 ** 30);
    const error = await assertRejects(unlock, KeyMismatchError);
    assert(error.message.includes(`${2 ** 30} bytes`));
  }));

// KDF parameters are capped before deriving, per slot.
Deno.test("unbounded KDF: slot parameters above the maxima are refused before deriving", () =>
  withVault(async ({ store, unlock }) => {
    setSlot(store, "kdf", '{"name":"scrypt","N":4194304,"r":32,"p":16}');
    await assertRejects(unlock, IntegrityError);
    setSlot(store, "kdf", '{"name":"argon2"}');
    await assertRejects(unlock, IntegrityError);
    // Within the maxima, but not what the key was wrapped with.
    setSlot(store, "kdf", '{"name":"scrypt","N":1024,"r":8,"p":1}');
    await assertRejects(unlock, KeyMismatchError);
  }));

Deno.test("every field a slot's wrap binds fails the unwrap when changed", async () => {
  const changes: [string, SqlValue][] = [
    ["id", "00000000"],
    ["salt", new Uint8Array(32)],
    ["factors", '["user"]'],
  ];
  for (const [column, value] of changes) {
    await withVault(async ({ store, unlock }) => {
      setSlot(store, column, value);
      const error = await assertRejects(unlock, SecretsEngineError);
      // Reading the user needs --allow-sys, which plain tests do not grant.
      const codes = column === "factors"
        ? ["PERMISSION", "KEY_MISMATCH"]
        : ["KEY_MISMATCH"];
      assert(codes.includes(error.code), `${column}: ${error.code}`);
    });
  }
});

Deno.test("a slot that unwraps to another data key is an IntegrityError, not another vault", () =>
  withVault(async ({ dir, store, unlock }) => {
    // A whole second vault's machine slot and keyfile, moved into this one.
    await using other = await tempDir();
    const otherStore = newStore(other.path);
    await createVault(otherStore, other.path, request());
    const slot = otherStore.prepare("SELECT * FROM slots").get();
    otherStore.close();
    store.exec("DELETE FROM slots");
    store.prepare(
      "INSERT INTO slots VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    ).run(...Object.values(slot ?? {}) as SqlValue[]);
    await Deno.remove(join(dir, ".keyfile"));
    await Deno.copyFile(join(other.path, ".keyfile"), join(dir, ".keyfile"));
    const error = await assertRejects(unlock, IntegrityError);
    assert(error.message.includes("not this vault's"));
  }));

Deno.test("unlock through a kind of slot the vault lacks says which kinds it has", () =>
  withVault(async ({ unlock }) => {
    const error = await assertRejects(
      () => unlock({ passphrase: "pw" }),
      KeyMismatchError,
    );
    assert(error.message.includes("only machine slots"), error.message);
  }));

Deno.test("checkUnlock: one passphrase or one well-formed key, nothing else", () => {
  const key = formatRecoveryKey(new Uint8Array(20));
  assertEquals(checkUnlock({ key }), { key });
  assertEquals(checkUnlock({ passphrase: "p" }), { passphrase: "p" });
  const bad = [
    null,
    "pw",
    {},
    { passphrase: "" },
    { passphrase: 1 },
    { passphrase: "p", key },
    { key: "not a key" },
  ];
  for (const unlock of bad) {
    assertThrows(() => checkUnlock(unlock), ValidationError);
  }
  assertThrows(
    () => checkUnlock({ key: key.replace(/^0/, "1") }),
    /mistyped/,
  );
});
