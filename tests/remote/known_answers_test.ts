/**
 * Known answers for what format 7 and the PostgreSQL remote add: the
 * remote keys' labels and derivation, a remote row's additional data (by
 * opening a fixed ciphertext at its place, and not at another), a row's
 * tag, the head's MAC, the vault fingerprint, the state digest, a merge
 * base's MAC and its sealing. Fixed inputs, and the bytes they must give,
 * computed once by the code that introduced them; they never change.
 *
 * @module
 */

import { join } from "node:path";
import { assertEquals, assertThrows } from "../_assert.ts";
import { runCommand, tempDir } from "../_helpers.ts";
import { copyMemberKey } from "../../src/keys/copy_key.ts";
import { deriveSubKeys } from "../../src/crypto.ts";
import { DecryptionError, RemoteError } from "../../mod.ts";
import {
  FINGERPRINT_LABEL,
  vaultFingerprint,
} from "../../src/keys/vault_fingerprint.ts";
import {
  decodeEpoch,
  encodeEpoch,
  headMac,
  memberMac,
  openState,
  REMOTE_MAC_LABEL,
  REMOTE_SEAL_LABEL,
  remoteKeys,
  rowTag,
} from "../../src/remote/records.ts";
import { digestKey, stateDigest } from "../../src/rules/replica.ts";
import { replicaMac } from "../../src/storage/macs.ts";
import { openBase, openSeenHead } from "../../src/storage/replica_rows.ts";

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const fromHex = (text: string) =>
  Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16));

const DEK = new Uint8Array(32).fill(1);
const VAULT_ID = new Uint8Array(16).fill(2);
const KEY_CHECK = new Uint8Array(32).fill(3);
const NAME_KEY = new Uint8Array(32).fill(4);
const KEYS = remoteKeys(DEK, VAULT_ID, KEY_CHECK);
const PLACE = { hash: "00ff", version: 3, epoch: 1 };
const STATE = {
  name: "db.password",
  current: {
    value: "aHVudGVyMg==",
    kind: "text" as const,
    expires: null,
    updated: 1,
  },
  annotation: null,
  conflicts: [],
};

Deno.test("known answers: the labels format 7 and the remote add", () => {
  assertEquals(REMOTE_SEAL_LABEL, "@scope/secrets remote seal");
  assertEquals(REMOTE_MAC_LABEL, "@scope/secrets remote mac");
  assertEquals(FINGERPRINT_LABEL, "@scope/secrets vault fingerprint");
});

Deno.test("known answers: the remote keys derive from the data key, salted with the vault id", () => {
  assertEquals(
    hex(KEYS.seal),
    "bc09edbf52233764d7ed09b9ab5f735af038d219e0512ec8df1c9e056b967493",
  );
  assertEquals(
    hex(KEYS.mac),
    "5a5553d47bb7f5fb1820aec546d32a3764de17ec18a55d4d0ea53d4323fa7e3e",
  );
});

Deno.test("known answers: a remote row opens at its place only: vault, name hash, version and epoch are its additional data", () => {
  const sealed = fromHex(
    "bb088e5f499eb3e74cd287b375bb99a8246bf37417629469af93361159bb2e51c79b314a0e7b7f83385f6e2135a58770337b1eaeac61d28747e4f7f7a472c4978b0056275a7556708b46022feca8abe45fc744fe2573c6f0e60d68b0830b41fd1d95f74a232e2954aa043b32380db9163941f29f7e2537b56e6f865d6c745aa4f03a8c39f3c903885bd93e82b59751c2f3f5e98bc3c3888f7f18e8b7250a6a",
  );
  assertEquals(openState(KEYS, PLACE, sealed), STATE);
  for (
    const place of [
      { ...PLACE, hash: "00fe" },
      { ...PLACE, version: 4 },
      { ...PLACE, epoch: 2 },
    ]
  ) {
    assertThrows(() => openState(KEYS, place, sealed), RemoteError);
  }
  const other = remoteKeys(DEK, new Uint8Array(16).fill(9), KEY_CHECK);
  assertThrows(() => openState(other, PLACE, sealed), RemoteError);
});

Deno.test("known answers: a row's tag and the head's MAC", () => {
  assertEquals(
    hex(rowTag(KEYS, PLACE, new Uint8Array([9, 9, 9]))),
    "b8ed68f4907130298cd4abe7ed067f17d5dd0e02ecba4545c4f885e50a9bb6c0",
  );
  const head = { revision: 7, epoch: 1, x: new Uint8Array(32).fill(5) };
  assertEquals(
    hex(headMac(KEYS, head)),
    "5c6c9886451f05de36161834273cda600e9cf8beac81ed3fd112a3aa33c60242",
  );
});

Deno.test("known answers: the vault fingerprint and the state digest", () => {
  assertEquals(
    vaultFingerprint(VAULT_ID, NAME_KEY),
    "SHA256:cZCdhzJ/myBXeZEqurQEIbnbb+qS71D7llDlDKouEio",
  );
  const key = digestKey(NAME_KEY);
  assertEquals(
    hex(key),
    "48d0ff967df2a12d9f6e68a140924851ce4bda114f4e89d01a0122a1baef6d3e",
  );
  assertEquals(
    stateDigest(key, STATE),
    "Ko9Eh4XmoH3wdjtzFo/cWRVuOSAjBO6WB4XdDKE5Rig=",
  );
  // Times are not part of it: two copies that wrote equal values agree.
  const later = { ...STATE, current: { ...STATE.current, updated: 2 } };
  assertEquals(stateDigest(key, later), stateDigest(key, STATE));
});

Deno.test("known answers: a merge base's MAC and its sealing under the value key", () => {
  assertEquals(
    hex(
      replicaMac(new Uint8Array(32).fill(6), {
        name_hash: "00ff",
        sealed: new Uint8Array([7, 7]),
      }),
    ),
    "d469aaeacd9a194c19f14a5b0ba3f777c4428b0040769ed06cce041054303812",
  );
  const keys = deriveSubKeys(DEK, NAME_KEY);
  const base = fromHex(
    "2434afd9d016dec5c237afc0540b5f4705c7045045d0adb56bf4e83fb44daffbb09349cbabb6686d732e49103a1d34954b9dd1d2c83a76284c60999be4b7d4bca299f840553f58b9a0e0b58248ef693d8d42c7b9f20d31c6a53a5bfbfda057defcb033fa0747303a2579",
  );
  assertEquals(openBase(keys, "00ff", base), {
    name: "db.password",
    version: 3,
    tag: "dGFn",
    digest: "ZGln",
    conflicts: [],
  });
  const head = fromHex(
    "58b3c3ba2a5ecbe8f1d68d3e0faa293b99149c1023999a183b9c2686f6e85d6de61b9f3d3210cf7eb706e86aff7f57910a8caebd",
  );
  assertEquals(openSeenHead(keys, head), { revision: 7, epoch: 1 });
  assertThrows(() => openBase(keys, "00fe", base), DecryptionError);
});

Deno.test("known answers: a member slot's MAC on the remote, and an epoch header", () => {
  const slot = {
    id: "abcd1234",
    kind: "member",
    label: "bob/laptop",
    created: 1700000000000,
    kdf: '{"name":"age"}',
    salt: new Uint8Array(),
    factors: "[]",
    wrapped: new Uint8Array([1, 2, 3]),
  };
  assertEquals(
    hex(memberMac(KEYS, slot)),
    "d26e0754a02ac92087fe72faffc8f01de81deb6487ec36866d1915285193e6d4",
  );
  const fields = {
    epoch: 2,
    keyCheck: new Uint8Array(32).fill(7),
    members: ["b", "a"],
  };
  const header = encodeEpoch(KEYS, fields);
  assertEquals(
    hex(header),
    "7b227661756c74223a223032303230323032303230323032303230323032303230323032303230323032222c2265706f6368223a322c226b6579436865636b223a2230373037303730373037303730373037303730373037303730373037303730373037303730373037303730373037303730373037303730373037303730373037222c226d656d62657273223a5b2261222c2262225d7dccf8b4ae6995376505814c6c50b9185479e14a402335f43f69887c018b432e83",
  );
  assertEquals(decodeEpoch(KEYS, 2, header), {
    ...fields,
    members: ["a", "b"],
  });
  assertThrows(() => decodeEpoch(KEYS, 3, header), RemoteError);
});

Deno.test("known answers: a copy's own member key is the age X25519 key of its copy secret, as age-keygen reads it", async () => {
  const key = copyMemberKey(
    new Uint8Array(32).fill(1),
    new Uint8Array(16).fill(2),
  );
  assertEquals(
    key.identity,
    "AGE-SECRET-KEY-1U7XDFAZSFY5DNMXRMMTHAPWZAJS5PDQW08XXS0SSXV7T5D9D8AZQ2Y9KC7",
  );
  assertEquals(
    key.recipient,
    "age10h8fd37dw5p8cj9f58yznsn4xav3d9jws7etcxqch95zgmqlfp6sevjpqg",
  );
  await using dir = await tempDir();
  const file = join(dir.path, "copy.key");
  await Deno.writeTextFile(file, `${key.identity}\n`, { mode: 0o600 });
  const { code, stdout, stderr } = await runCommand("age-keygen", ["-y", file]);
  assertEquals([code, stdout.trim()], [0, key.recipient], stderr);
});
