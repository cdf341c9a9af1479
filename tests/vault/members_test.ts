/**
 * Members through the library, with keys made by the real `ssh-keygen`
 * and the age library: each kind opens a copy of the vault files on
 * "another machine" (no keyfile), `rebind` gives that copy a keyfile of its
 * own, and removal is revocation: the removed identity opens no copy taken
 * afterwards, every other slot still opens without a passphrase, and every
 * secret it could read is exposed until its value changes.
 *
 * @module
 */

import { join } from "node:path";
import {
  assertEquals,
  assertFalse,
  assertMatch,
  assertRejects,
} from "../_assert.ts";
import { copyVault, openEngine, rawSql, tempDir } from "../_helpers.ts";
import { ageKey, sshKey, type TestKey } from "../_keys.ts";
import {
  IntegrityError,
  KeyMismatchError,
  SecretsEngine,
  ValidationError,
} from "../../mod.ts";

const SECRETS = { "db.url": "postgres://a", "api.token": "t-1" };

/**
 * A copy of the vault's files, without its keyfile, as another machine
 * would hold them: `dir/name/vault`, whose path it returns.
 */
async function copyWithoutKeyfile(dir: string, name: string): Promise<string> {
  const to = join(dir, name, "vault");
  await Deno.mkdir(join(dir, name));
  await copyVault(join(dir, "vault"), to);
  await Deno.remove(join(to, ".keyfile"));
  return to;
}

/** Every row of every table, to show a refusal changed nothing. */
function everything(dir: string): unknown {
  return rawSql(
    dir,
    (db) =>
      ["entries", "history", "slots", "meta", "exposures"].map((table) =>
        db.prepare(`SELECT * FROM ${table} ORDER BY 1`).all()
      ),
  );
}

async function keysOfEachKind(dir: string): Promise<Record<string, TestKey>> {
  return {
    x25519: await ageKey(dir, "x25519"),
    mlkem768x25519: await ageKey(dir, "pq", true),
    "ssh-ed25519": await sshKey(dir, "ed"),
    "ssh-rsa": await sshKey(dir, "rsa", "rsa"),
  };
}

Deno.test("a member of each kind opens a copy of the files without the keyfile, and rebind makes that copy its own", async () => {
  await using dir = await tempDir();
  const keys = await keysOfEachKind(dir.path);
  {
    await using engine = await openEngine(dir.path);
    await engine.setMany(SECRETS);
    for (const [kind, key] of Object.entries(keys)) {
      const member = await engine.addMember(key.recipient, { label: kind });
      assertEquals(member.kind, kind);
      assertMatch(member.fingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/);
      assertEquals(member.addedBy, (await engine.info()).unlockedBy.id);
    }
    assertEquals((await engine.members()).map((m) => m.label).sort(), [
      "mlkem768x25519",
      "ssh-ed25519",
      "ssh-rsa",
      "x25519",
    ]);
  }
  for (const [kind, key] of Object.entries(keys)) {
    const copy = await copyWithoutKeyfile(dir.path, `copy-${kind}`);
    await assertRejects(
      () => SecretsEngine.open({ path: copy }),
      KeyMismatchError,
    );
    {
      await using engine = await SecretsEngine.open({
        path: copy,
        unlock: { identity: key.identity },
      });
      assertEquals(await engine.get("db.url"), SECRETS["db.url"], kind);
      assertEquals((await engine.info()).unlockedBy.kind, "member");
      const slot = await engine.rebind();
      assertEquals(slot.kind, "machine");
      // The copied machine slot, whose keyfile stayed behind, is gone.
      assertEquals(
        (await engine.slots()).filter((s) => s.kind === "machine").length,
        1,
      );
    }
    await using rebound = await SecretsEngine.open({ path: copy });
    assertEquals(await rebound.get("api.token"), SECRETS["api.token"], kind);
  }
});

Deno.test("removing a member: its identity opens no later copy, every other slot still opens, and what it could read is exposed until changed", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "vault");
  const alice = await ageKey(dir.path, "alice");
  const bob = await sshKey(dir.path, "bob");
  let recovery = "";
  {
    await using engine = await openEngine(dir.path);
    await engine.setMany(SECRETS);
    await engine.set("api.token", "t-2");
    await engine.addMember(alice.recipient, { label: "alice" });
    await engine.addMember(bob.recipient, { label: "bob" });
    await engine.addPassphrase("local passphrase");
    recovery = (await engine.addKey({ label: "recovery" })).key;
  }
  const before = await copyWithoutKeyfile(dir.path, "before");
  {
    await using engine = await openEngine(dir.path);
    const { removed, exposed } = await engine.removeMember("alice");
    assertEquals(removed.map((m) => m.label), ["alice"]);
    assertEquals(exposed, 2);
    const status = await engine.status();
    assertEquals(
      status.map((s) => [s.name, s.state, s.member]),
      [
        ["api.token", "exposed", "alice"],
        ["db.url", "exposed", "alice"],
      ].sort(),
    );
  }
  // The copy she took before still opens for her (it cannot be recalled);
  // no copy taken afterwards does.
  await using old = await SecretsEngine.open({
    path: before,
    unlock: { identity: alice.identity },
    recover: true,
  });
  assertEquals(await old.get("api.token"), "t-2");
  const after = await copyWithoutKeyfile(dir.path, "after");
  await assertRejects(
    () =>
      SecretsEngine.open({ path: after, unlock: { identity: alice.identity } }),
    KeyMismatchError,
  );
  for (
    const unlock of [
      { identity: bob.identity },
      { passphrase: "local passphrase" },
      { key: recovery },
    ]
  ) {
    await using engine = await SecretsEngine.open({ path, unlock });
    assertEquals(await engine.get("db.url"), SECRETS["db.url"]);
  }
  await using engine = await openEngine(dir.path);
  // A value she knew, set again (here an earlier version, reverted to),
  // stays exposed; a new value clears it.
  await engine.set("api.token", "t-3");
  await engine.revert("api.token", 1);
  assertEquals(await engine.get("api.token"), "t-1");
  assertEquals((await engine.status()).map((s) => s.name), [
    "api.token",
    "db.url",
  ]);
  await engine.set("api.token", "t-4");
  await engine.set("db.url", "postgres://b");
  assertEquals(await engine.status(), []);
  await engine.set("db.url", SECRETS["db.url"]);
  assertEquals((await engine.status()).map((s) => s.name), ["db.url"]);
});

Deno.test("removing a person removes its machines (LABEL/HOST) too", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  await engine.set("a", "1");
  for (const label of ["carol", "carol/laptop", "caroline"]) {
    const { recipient } = await ageKey(dir.path, label.replace("/", "-"));
    await engine.addMember(recipient, { label });
  }
  const { removed } = await engine.removeMember("carol");
  assertEquals(removed.map((m) => m.label).sort(), ["carol", "carol/laptop"]);
  assertEquals((await engine.members()).map((m) => m.label), ["caroline"]);
});

Deno.test("the member that opened this engine is not removed when no slot of this copy opens it", async () => {
  await using dir = await tempDir();
  const dave = await ageKey(dir.path, "dave");
  {
    await using engine = await openEngine(dir.path);
    await engine.set("a", "1");
    await engine.addMember(dave.recipient, { label: "dave" });
  }
  const copy = await copyWithoutKeyfile(dir.path, "copy");
  const rows = everything(join(dir.path, "copy"));
  await using engine = await SecretsEngine.open({
    path: copy,
    unlock: { identity: dave.identity },
  });
  const error = await assertRejects(
    () => engine.removeMember("dave"),
    ValidationError,
  );
  assertMatch(error.message, /opened by "dave"'s own key/);
  assertEquals(everything(join(dir.path, "copy")), rows);
  // Where a keyfile opens the vault, it goes, even from an engine dave's
  // own key opened.
  await using home = await SecretsEngine.open({
    path: join(dir.path, "vault"),
    unlock: { identity: dave.identity },
  });
  assertEquals((await home.removeMember("dave")).removed.length, 1);
  await using again = await openEngine(dir.path);
  assertEquals(await again.get("a"), "1");
});

Deno.test("bad member input is a ValidationError and changes nothing", async () => {
  await using dir = await tempDir();
  const eve = await ageKey(dir.path, "eve");
  const short = await sshKey(dir.path, "short", "rsa", { bits: 1024 });
  await using engine = await openEngine(dir.path);
  await engine.set("a", "1");
  const member = await engine.addMember(eve.recipient, { label: "eve" });
  const rows = everything(dir.path);
  const refusals: [() => Promise<unknown>, RegExp][] = [
    [
      () => engine.addMember(eve.recipient, { label: "eve2" }),
      /already a member, as "eve"/,
    ],
    [
      () => engine.addMember("age1nope", { label: "x" }),
      /not a valid age recipient/,
    ],
    [
      () => engine.addMember(short.recipient, { label: "x" }),
      /under 2048 bits/,
    ],
    [() => engine.addMember("", { label: "x" }), /a recipient is/],
    [() => engine.addMember(eve.recipient, { label: "" }), /needs a label/],
    [
      () => engine.addMember(eve.recipient, { label: "a\u202eb" }),
      /control or format/,
    ],
    [() => engine.removeMember("nobody"), /no member "nobody"/],
    [() => engine.removeSlot(member.id), /removed with removeMember/],
    [
      () => engine.rotate({ keep: [{ identity: eve.identity }] }),
      /every member is kept/,
    ],
  ];
  for (const [call, message] of refusals) {
    const error = await assertRejects(call, ValidationError);
    assertMatch(error.message, message);
  }
  assertEquals(everything(dir.path), rows);
});

Deno.test("a member slot is bound to its vault: copied into another vault it opens nothing", async () => {
  await using dir = await tempDir();
  const frank = await ageKey(dir.path, "frank");
  const [a, b] = [join(dir.path, "a"), join(dir.path, "b")];
  for (const sub of [a, b]) {
    await Deno.mkdir(sub);
    await using engine = await openEngine(sub);
    await engine.set("where", sub);
  }
  {
    await using engine = await openEngine(a);
    await engine.addMember(frank.recipient, { label: "frank" });
  }
  const slot = rawSql(
    a,
    (db) => db.prepare("SELECT * FROM slots WHERE kind = 'member'").get(),
  ) as Record<string, string | number | Uint8Array>;
  rawSql(b, (db) =>
    db.prepare(
      `INSERT INTO slots VALUES (${
        Object.keys(slot).map(() => "?").join(", ")
      })`,
    ).run(...Object.values(slot)));
  const error = await assertRejects(
    () =>
      SecretsEngine.open({
        path: join(b, "vault"),
        unlock: { identity: frank.identity },
      }),
    KeyMismatchError,
  );
  assertMatch(error.message, /no member slot of this vault opens/);
});

Deno.test("exposure marks are covered by the accumulator: one dropped or edited fails verification", async () => {
  const edits = [
    "DELETE FROM exposures WHERE name_hash = (SELECT min(name_hash) FROM exposures)",
    // One entry's sealed marks moved onto another's.
    "UPDATE exposures SET sealed = (SELECT sealed FROM exposures ORDER BY name_hash DESC LIMIT 1) WHERE name_hash = (SELECT min(name_hash) FROM exposures)",
  ];
  for (const edit of edits) {
    await using dir = await tempDir();
    {
      await using engine = await openEngine(dir.path);
      await engine.setMany(SECRETS);
      const { recipient } = await ageKey(dir.path, "gina");
      await engine.addMember(recipient, { label: "gina" });
      await engine.removeMember("gina");
    }
    rawSql(dir.path, (db) => db.exec(edit));
    await Deno.remove(join(dir.path, "vault", "meta.json"));
    await assertRejects(() => openEngine(dir.path), IntegrityError);
  }
});

Deno.test("a vault with no member refuses an identity, saying how it opens", async () => {
  await using dir = await tempDir();
  const key = await ageKey(dir.path, "h");
  {
    await using engine = await openEngine(dir.path);
    await engine.set("a", "1");
  }
  const error = await assertRejects(
    () =>
      SecretsEngine.open({
        path: join(dir.path, "vault"),
        unlock: { identity: key.identity },
      }),
    KeyMismatchError,
  );
  assertMatch(error.message, /no member slot/);
  assertFalse(error.message.includes(key.identity.trim().slice(-20)));
});

Deno.test("a member whose SSH key is encrypted opens with the key's passphrase, and not without it", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "vault");
  const key = await sshKey(dir.path, "locked", "rsa", {
    passphrase: "rsa passphrase",
  });
  {
    await using engine = await openEngine(dir.path);
    await engine.set("a", "1");
    await engine.addMember(key.recipient, { label: "ivy" });
  }
  await using engine = await SecretsEngine.open({
    path,
    unlock: { identity: key.identity, passphrase: "rsa passphrase" },
  });
  assertEquals(await engine.get("a"), "1");
  const bare = await assertRejects(
    () => SecretsEngine.open({ path, unlock: { identity: key.identity } }),
    ValidationError,
  );
  assertMatch(bare.message, /encrypted with a passphrase/);
  await assertRejects(
    () =>
      SecretsEngine.open({
        path,
        unlock: { identity: key.identity, passphrase: "wrong" },
      }),
    KeyMismatchError,
  );
});

Deno.test("members do not count against the 16 slots of a copy, and member rows planted past their cap are refused", async () => {
  await using dir = await tempDir();
  {
    await using engine = await openEngine(dir.path);
    for (let i = 1; i < 16; i++) await engine.addKey();
    await assertRejects(() => engine.addKey(), ValidationError);
    for (let i = 0; i < 3; i++) {
      const { recipient } = await ageKey(dir.path, `m${i}`);
      await engine.addMember(recipient, { label: `m${i}` });
    }
    assertEquals((await engine.members()).length, 3);
  }
  rawSql(dir.path, (db) => {
    const plant = db.prepare(
      "INSERT INTO slots SELECT ?, kind, label, created, kdf, salt, factors, wrapped FROM slots WHERE kind = 'member' LIMIT 1",
    );
    for (let i = 0; i < 1000; i++) plant.run(`planted${i}`);
  });
  const error = await assertRejects(() => openEngine(dir.path), IntegrityError);
  assertMatch(error.message, /16 key slots and 1003 members/);
});

Deno.test("exposure marks outlive later rotations and removals: each removed member is named until the value changes", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  await engine.setMany(SECRETS);
  for (const label of ["jo", "kim"]) {
    const { recipient } = await ageKey(dir.path, label);
    await engine.addMember(recipient, { label });
  }
  await engine.removeMember("jo");
  await engine.rotate();
  await engine.set("db.url", "postgres://new");
  await engine.removeMember("kim");
  await engine.rotate();
  const listed = (await engine.status()).map((s) => [s.name, s.member]);
  assertEquals(listed.sort(), [
    ["api.token", "jo"],
    ["api.token", "kim"],
    ["db.url", "kim"],
  ]);
  await engine.set("api.token", "t-new");
  await engine.set("db.url", "postgres://newer");
  assertEquals(await engine.status(), []);
});

Deno.test("an engine a member opened: rotate keeps every member and drops the copied local slots it cannot open; recover reads through a member", async () => {
  await using dir = await tempDir();
  const lee = await ageKey(dir.path, "lee");
  const mo = await ageKey(dir.path, "mo");
  {
    await using engine = await openEngine(dir.path);
    await engine.setMany(SECRETS);
    await engine.addPassphrase("copied passphrase");
    await engine.addMember(lee.recipient, { label: "lee" });
    await engine.addMember(mo.recipient, { label: "mo" });
  }
  const copy = await copyWithoutKeyfile(dir.path, "copy");
  {
    await using engine = await SecretsEngine.open({
      path: copy,
      unlock: { identity: lee.identity },
      recover: true,
    });
    assertEquals(await engine.get("db.url"), SECRETS["db.url"]);
  }
  await using engine = await SecretsEngine.open({
    path: copy,
    unlock: { identity: lee.identity },
  });
  const { removed } = await engine.rotate();
  assertEquals(removed.map((slot) => slot.kind).sort(), [
    "machine",
    "passphrase",
  ]);
  assertEquals((await engine.members()).map((m) => m.label).sort(), [
    "lee",
    "mo",
  ]);
  await using other = await SecretsEngine.open({
    path: copy,
    unlock: { identity: mo.identity },
  });
  assertEquals(await other.get("api.token"), SECRETS["api.token"]);
});
