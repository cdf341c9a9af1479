/**
 * Format 6, pinned by the fixture its introducing commit wrote
 * (`tests/fixtures/make_vault-format6.ts`): every slot and every member of
 * each kind opens it, its exposure marks still read, it verifies in full;
 * and known answers for what it adds: the labels and domains (each one
 * byte off fails to open or verify the fixture), the member slot's payload
 * as the real `age` decrypts it, and the fingerprints people compare.
 *
 * @module
 */

import { join } from "node:path";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { copyFixture, rawSql, runCommand, tempDir } from "../_helpers.ts";
import { KeyMismatchError, SecretsEngine } from "../../mod.ts";
import {
  COPY_KEY_LABEL,
  COPY_WRAP_LABEL,
  copyRecipient,
  unwrapCopy,
} from "../../src/keys/copy_key.ts";
import { MEMBER_PAYLOAD_LABEL } from "../../src/keys/member_slot.ts";
import {
  deriveSlotKek,
  machineSecret,
  parseSlot,
  unwrapSlot,
} from "../../src/keys/slot.ts";
import { parseRecipient } from "../../src/recipients/recipients.ts";
import { deriveSubKeys, keyCheck } from "../../src/crypto.ts";
import type { SlotRow } from "../../src/storage/schema.ts";

const FIXTURES = new URL("../fixtures/", import.meta.url).pathname;

interface Format6Fixture {
  passphrase: string;
  key: string;
  text: Record<string, string>;
  bytes: Record<string, number[]>;
  versions: Record<string, string[]>;
  members: Record<
    string,
    { identity: string; recipient: string; fingerprint: string }
  >;
  removedIdentity: string;
  exposed: string[];
}

const fixture: Format6Fixture = JSON.parse(
  await Deno.readTextFile(join(FIXTURES, "vault-format6.json")),
);

Deno.test("format 6 fixture: every local slot and every member of each kind opens it, and it verifies in full", async () => {
  await using dir = await tempDir();
  const path = await copyFixture(dir.path, "vault-format6");
  await Deno.remove(join(path, "meta.json"));
  const unlocks = [
    undefined,
    { passphrase: fixture.passphrase },
    { key: fixture.key },
    ...Object.values(fixture.members).map(({ identity }) => ({ identity })),
  ];
  for (const unlock of unlocks) {
    await using engine = await SecretsEngine.open({ path, unlock });
    assertEquals((await engine.info()).format, 7);
    for (const [name, value] of Object.entries(fixture.text)) {
      assertEquals(await engine.get(name), value, name);
    }
    assertEquals(
      await engine.getBytes("tls.der"),
      new Uint8Array(fixture.bytes["tls.der"]),
    );
    assertEquals(
      (await engine.history("db.password")).length,
      fixture.versions["db.password"].length,
    );
    const status = await engine.status();
    assertEquals(
      status.filter((s) => s.state === "exposed").map((s) => s.name).sort(),
      fixture.exposed,
    );
    assert(
      status.every((s) => s.state !== "exposed" || s.member === "mallory"),
    );
  }
  await using engine = await SecretsEngine.open({ path });
  assertEquals(
    Object.fromEntries(
      (await engine.members()).map((m) => [m.label, m.fingerprint]),
    ),
    Object.fromEntries(
      Object.entries(fixture.members).map((
        [label, m],
      ) => [label, m.fingerprint]),
    ),
  );
  assertEquals((await engine.members()).map((m) => m.kind).sort(), [
    "mlkem768x25519",
    "ssh-ed25519",
    "ssh-rsa",
    "x25519",
  ]);
});

Deno.test("format 6 fixture: the removed member's identity opens nothing", async () => {
  await using dir = await tempDir();
  const path = await copyFixture(dir.path, "vault-format6");
  await assertRejects(
    () =>
      SecretsEngine.open({
        path,
        unlock: { identity: fixture.removedIdentity },
      }),
    KeyMismatchError,
  );
});

Deno.test("known answers: the labels and domains format 6 adds", () => {
  assertEquals(COPY_KEY_LABEL, "@scope/secrets copy key");
  assertEquals(COPY_WRAP_LABEL, "@scope/secrets copy wrap");
  assertEquals(MEMBER_PAYLOAD_LABEL, "@scope/secrets member slot");
});

/** The `meta` value `key` of the vault in `dir/vault`. */
function metaValue(dir: string, key: string): Uint8Array {
  return rawSql(
    dir,
    (db) =>
      db.prepare("SELECT value FROM meta WHERE key = ?").get(key)
        ?.value as Uint8Array,
  );
}

Deno.test("known answers: the fixture's copy key derives from the machine slot's secret under its label", async () => {
  await using dir = await tempDir();
  const path = await copyFixture(dir.path, "vault-format6");
  const row = rawSql(
    dir.path,
    (db) => db.prepare("SELECT * FROM slots WHERE kind = 'machine'").get(),
  ) as unknown as SlotRow;
  const slot = parseSlot(row);
  const keyfile = await Deno.readFile(join(path, ".keyfile"));
  const secret = unwrapSlot(
    slot,
    await deriveSlotKek(slot, machineSecret(keyfile, [])),
  );
  assert(secret !== null);
  const vaultId = metaValue(dir.path, "vault_id");
  assertEquals(vaultId.length, 16);
  assertEquals(
    new Uint8Array(copyRecipient(secret, vaultId)),
    metaValue(dir.path, "copy_recipient"),
  );
  const keys = unwrapCopy(secret, vaultId, metaValue(dir.path, "copy_wrap"));
  assertEquals(
    new Uint8Array(keyCheck(deriveSubKeys(keys.dek, keys.nameKey))),
    metaValue(dir.path, "key_check"),
  );
});

// The real age (Debian's 1.1) reads X25519 and SSH stanzas; the
// post-quantum slot is opened by the fixture test above, through the age
// library, as age 1.1 cannot.
for (const label of ["alice", "carol", "dave"]) {
  Deno.test(`known answers: ${label}'s member slot is an age file the real age opens, binding the label, the vault id and the slot id`, async () => {
    await using dir = await tempDir();
    await copyFixture(dir.path, "vault-format6");
    const slot = rawSql(
      dir.path,
      (db) =>
        db.prepare("SELECT id, wrapped FROM slots WHERE label = ?").get(label),
    ) as { id: string; wrapped: Uint8Array };
    const file = join(dir.path, "slot.age");
    await Deno.writeFile(file, slot.wrapped);
    const key = join(dir.path, "key");
    await Deno.writeTextFile(key, fixture.members[label].identity, {
      mode: 0o600,
    });
    const { code, stderr } = await runCommand("sh", [
      "-c",
      `age -d -i '${key}' '${file}' > '${dir.path}/payload'`,
    ]);
    assertEquals(code, 0, stderr);
    const payload = await Deno.readFile(join(dir.path, "payload"));
    const head = new TextEncoder().encode(`${MEMBER_PAYLOAD_LABEL}\0`);
    assertEquals(payload.length, head.length + 16 + 8 + 64);
    assertEquals(payload.subarray(0, head.length), head);
    assertEquals(
      payload.subarray(head.length, head.length + 16),
      metaValue(dir.path, "vault_id"),
    );
    const id = payload.subarray(head.length + 16, head.length + 24);
    assertEquals(new TextDecoder().decode(id), slot.id);
    // The keys it holds are this vault's: they make its key check.
    const keys = payload.subarray(head.length + 24);
    assertEquals(
      new Uint8Array(
        keyCheck(deriveSubKeys(keys.slice(0, 32), keys.slice(32))),
      ),
      metaValue(dir.path, "key_check"),
    );
  });
}

Deno.test("known answers: an age recipient's fingerprint is SHA-256 of its text, as OpenSSH prints one", () => {
  const recipient =
    "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";
  // Computed apart, with Python's hashlib and base64.
  assertEquals(
    parseRecipient(recipient).fingerprint,
    "SHA256:z35WgjExUGhb8W5CxOpI4WjhboIGxcStN8ctATy2pfQ",
  );
});
