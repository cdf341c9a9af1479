import {
  assert,
  assertEquals,
  assertFalse,
  assertRejects,
} from "../_assert.ts";
import {
  IntegrityError,
  KeyMismatchError,
  type SecretsEngine,
  ValidationError,
} from "../../mod.ts";
import {
  decryptAge,
  exportAge,
  generateIdentity,
  importAge,
  MAX_AGE_FILE_BYTES,
  MAX_AGE_STANZAS,
} from "../../src/age/age.ts";
import { Encrypter } from "age-encryption";
import { openEngine, tempDir } from "../_helpers.ts";

async function withVault(
  fn: (engine: SecretsEngine, dir: string) => Promise<void>,
): Promise<void> {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  await engine.setMany({ "db.url": "postgres://x", "tls.key": "a\nb" });
  await fn(engine, dir.path);
}

Deno.test("a backup to recipients restores into another vault, armored or not", () =>
  withVault(async (engine) => {
    const alice = await generateIdentity();
    const bob = await generateIdentity();
    const recipients = [alice.recipient, bob.recipient];
    for (const armor of [false, true]) {
      const file = await exportAge(engine, { recipients }, { armor });
      assertEquals(typeof file, armor ? "string" : "object");
      const doc = await decryptAge(file, { identities: [bob.identity] });
      assertEquals(doc.entries, (await engine.exportEntries()).entries);
    }
    const only = await exportAge(engine, { recipients }, { pattern: "db.*" });
    const doc = await decryptAge(only, { identities: [alice.identity] });
    assertEquals(doc.entries.map((e) => e.name), ["db.url"]);
  }));

Deno.test("a passphrase backup restores with the passphrase, and a wrong one says so", () =>
  withVault(async (engine, dir) => {
    const file = await exportAge(engine, { passphrase: "correct horse" });
    await assertRejects(
      () => decryptAge(file, { passphrase: "wrong horse" }),
      KeyMismatchError,
    );
    await using other = await openEngine(`${dir}/other`);
    assertEquals(
      await importAge(other, file, { passphrase: "correct horse" }),
      2,
    );
    assertEquals(await other.get("tls.key"), "a\nb");
  }));

Deno.test("bad files: wrong identity, truncated, altered, not a document, newer, huge", () =>
  withVault(async (engine) => {
    const { identity, recipient } = await generateIdentity();
    const stranger = await generateIdentity();
    const file = await exportAge(engine, {
      recipients: [recipient],
    }) as Uint8Array;
    const unlock = { identities: [identity] };
    await assertRejects(
      () => decryptAge(file, { identities: [stranger.identity] }),
      KeyMismatchError,
    );
    await assertRejects(
      () => decryptAge(file.subarray(0, file.length - 20), unlock),
      IntegrityError,
    );
    const altered = file.slice();
    altered[altered.length - 5] ^= 1;
    await assertRejects(() => decryptAge(altered, unlock), IntegrityError);
    const encrypt = async (text: string) => {
      const age = new Encrypter();
      age.addRecipient(recipient);
      return await age.encrypt(text);
    };
    await assertRejects(
      async () => decryptAge(await encrypt("hello"), unlock),
      ValidationError,
    );
    const newer = JSON.stringify({
      type: "@scope/secrets export",
      version: 99,
      exported: "2026-01-01T00:00:00Z",
      entries: [],
    });
    const error = await assertRejects(
      async () => decryptAge(await encrypt(newer), unlock),
      ValidationError,
    );
    assert(error.message.includes("version 99"), error.message);
    await assertRejects(
      () => decryptAge(new Uint8Array(MAX_AGE_FILE_BYTES + 1), unlock),
      ValidationError,
    );
  }));

Deno.test("bad keys: passphrase with recipients, a malformed recipient or identity (never echoed)", () =>
  withVault(async (engine) => {
    const { recipient } = await generateIdentity();
    await assertRejects(
      () =>
        exportAge(
          engine,
          { passphrase: "p", recipients: [recipient] } as never,
        ),
      ValidationError,
    );
    // A wrong last character breaks the bech32 checksum.
    const last = recipient.endsWith("q") ? "p" : "q";
    for (const bad of ["age1nope", recipient.slice(0, -1) + last]) {
      await assertRejects(
        () => exportAge(engine, { recipients: [bad] }),
        ValidationError,
      );
    }
    await assertRejects(
      () => exportAge(engine, { passphrase: "" }),
      ValidationError,
    );
    const secretish = "AGE-SECRET-KEY-1NOTAKEY";
    const error = await assertRejects(
      () => decryptAge(new Uint8Array(10), { identities: [secretish] }),
      ValidationError,
    );
    assertFalse(error.message.includes(secretish));
  }));

// A tampered header asking for scrypt work factor 21 (2 GiB, minutes) is
// refused before anything is derived.
Deno.test("a passphrase file asking for scrypt work factor above 20 is refused at once", () =>
  withVault(async (engine) => {
    const file = await exportAge(engine, { passphrase: "p" }) as Uint8Array;
    const text = new TextDecoder("latin1").decode(file);
    const header = /-> scrypt \S+ 18\n/.exec(text);
    assert(header !== null, "a work factor 18 scrypt stanza");
    const tampered = Uint8Array.from(
      text.replace(header[0], header[0].replace(" 18\n", " 21\n")),
      (c) => c.charCodeAt(0),
    );
    const error = await assertRejects(
      () => decryptAge(tampered, { passphrase: "p" }),
      IntegrityError,
    );
    assert(/work factor/.test(error.message), error.message);
  }));

Deno.test("a header of more stanzas than the cap is refused before any is tried", async () => {
  const { identity, recipient } = await generateIdentity();
  const others = await Promise.all(
    Array.from(
      { length: MAX_AGE_STANZAS },
      async () => (await generateIdentity()).recipient,
    ),
  );
  const age = new Encrypter();
  for (const to of [...others, recipient]) age.addRecipient(to);
  const file = await age.encrypt("{}");
  const error = await assertRejects(
    () => decryptAge(file, { identities: [identity] }),
    ValidationError,
  );
  assert(error.message.includes(`${MAX_AGE_STANZAS} recipient stanzas`));
  // At the cap, the file is tried as usual (and holds no document).
  const fewer = new Encrypter();
  for (const to of [...others.slice(1), recipient]) fewer.addRecipient(to);
  const atCap = await assertRejects(
    async () =>
      await decryptAge(await fewer.encrypt("{}"), { identities: [identity] }),
    ValidationError,
  );
  assertFalse(atCap.message.includes("stanzas"), atCap.message);
});
