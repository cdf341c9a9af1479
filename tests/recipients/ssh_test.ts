/**
 * age's SSH recipient types against the real `age` and keys from the real
 * `ssh-keygen`, both ways; the fingerprint against `ssh-keygen -l`; the
 * refusals (short RSA, encrypted keys, other types); and known answers
 * for the Ed25519-to-X25519 map and the stanza tag.
 *
 * @module
 */

import { join } from "node:path";
import { Decrypter, Encrypter } from "age-encryption";
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  thrownBy,
} from "../_assert.ts";
import { runCommand, tempDir } from "../_helpers.ts";
import { sshKey } from "../_keys.ts";
import {
  openSshPrivateKey,
  parseSshPrivateKey,
  parseSshPublicKey,
  sshFingerprint,
} from "../../src/recipients/ssh_keys.ts";
import {
  ed25519ToX25519,
  SshIdentity,
  SshRecipient,
  sshTag,
} from "../../src/recipients/ssh_stanzas.ts";
import { parseRecipients } from "../../src/recipients/recipients.ts";
import { KeyMismatchError, ValidationError } from "../../mod.ts";

const hex = (text: string) =>
  Uint8Array.from(text.match(/../g) ?? [], (byte) => parseInt(byte, 16));

for (const type of ["ed25519", "rsa"] as const) {
  Deno.test(`ssh-${type}: a file this writes opens with the real age, and one age writes opens here`, async () => {
    await using dir = await tempDir();
    const key = await sshKey(dir.path, "key", type);
    const encrypter = new Encrypter();
    encrypter.addRecipient(new SshRecipient(parseSshPublicKey(key.recipient)));
    const ours = `${dir.path}/ours.age`;
    await Deno.writeFile(ours, await encrypter.encrypt("from us"));
    const read = await runCommand("age", ["-d", "-i", key.path, ours]);
    assertEquals([read.code, read.stdout], [0, "from us"], read.stderr);

    const theirs = `${dir.path}/theirs.age`;
    const made = await runCommand("age", [
      "-R",
      `${key.path}.pub`,
      "-o",
      theirs,
    ], { stdin: "from age" });
    assertEquals(made.code, 0, made.stderr);
    const decrypter = new Decrypter();
    decrypter.addIdentity(new SshIdentity(parseSshPrivateKey(key.identity)));
    assertEquals(
      await decrypter.decrypt(await Deno.readFile(theirs), "text"),
      "from age",
    );
  });

  Deno.test(`ssh-${type}: the fingerprint is ssh-keygen -l's`, async () => {
    await using dir = await tempDir();
    const key = await sshKey(dir.path, "key", type);
    const listed = await runCommand("ssh-keygen", [
      "-l",
      "-f",
      `${key.path}.pub`,
    ]);
    const fingerprint = sshFingerprint(parseSshPublicKey(key.recipient));
    assertEquals(listed.stdout.split(" ")[1], fingerprint);
    // The private key names the same public key.
    assertEquals(
      sshFingerprint(parseSshPrivateKey(key.identity).publicKey),
      fingerprint,
    );
  });
}

Deno.test("a stanza for another key of the same type is skipped, not an error", async () => {
  await using dir = await tempDir();
  const [a, b] = [await sshKey(dir.path, "a"), await sshKey(dir.path, "b")];
  const encrypter = new Encrypter();
  encrypter.addRecipient(new SshRecipient(parseSshPublicKey(a.recipient)));
  const file = await encrypter.encrypt("for a");
  const other = new SshIdentity(parseSshPrivateKey(b.identity));
  const decrypter = new Decrypter();
  decrypter.addIdentity(other);
  let refused = "";
  await decrypter.decrypt(file).catch((error) => refused = String(error));
  assert(refused.includes("no identity matched"), refused);
});

Deno.test("ssh-rsa under 2048 bits, encrypted keys and other key types are refused with what is accepted", async () => {
  await using dir = await tempDir();
  const short = await sshKey(dir.path, "short", "rsa", { bits: 1024 });
  assertMatch(
    thrownBy(() => parseSshPublicKey(short.recipient), ValidationError)
      .message,
    /1024 bits: keys under 2048 bits are refused/,
  );
  const locked = await sshKey(dir.path, "locked", "ed25519", {
    passphrase: "pw",
  });
  const error = thrownBy(
    () => parseSshPrivateKey(locked.identity),
    ValidationError,
  );
  assertMatch(error.message, /encrypted with a passphrase/);
  const ecdsa = await runCommand("sh", [
    "-c",
    `ssh-keygen -q -t ecdsa -N '' -f '${dir.path}/ec' && cat '${dir.path}/ec.pub'`,
  ]);
  assertMatch(
    thrownBy(() => parseSshPublicKey(ecdsa.stdout), ValidationError).message,
    /use ssh-ed25519, or ssh-rsa of at least 2048 bits/,
  );
});

Deno.test("a recipients file takes authorized_keys lines with options and comments, and names a bad line", async () => {
  await using dir = await tempDir();
  const key = await sshKey(dir.path, "key");
  const parsed = parseRecipients(
    `# team\n\nfrom="10.0.0.1",no-pty ${key.recipient}\nage1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\n`,
  );
  assertEquals(parsed.map((r) => r.kind), ["ssh-ed25519", "x25519"]);
  assertEquals(
    parsed[0].recipient,
    key.recipient.split(" ").slice(0, 2).join(" "),
  );
  assertMatch(
    thrownBy(
      () => parseRecipients(`${key.recipient}\nnot-a-key\n`),
      ValidationError,
    )
      .message,
    /^recipient 2:/,
  );
});

// Known answers, pinned: RFC 8032's first test key, its X25519 form (as
// libsodium's crypto_sign_ed25519_pk_to_curve25519 gives it, and as
// u = (1 + y) / (1 - y) mod p computes it), the fingerprint `ssh-keygen -l`
// prints for it, and the stanza tag: the first 4 bytes of the same hash.
Deno.test("known answers: the Ed25519-to-X25519 map, the fingerprint and the stanza tag", () => {
  const point = hex(
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
  );
  assertEquals(
    ed25519ToX25519(point),
    hex("d85e07ec22b0ad881537c2f44d662d1a143cf830c57aca4305d85c7a90f6b62e"),
  );
  const key = parseSshPublicKey(
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINdamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea",
  );
  assertEquals(key.ed25519, point);
  assertEquals(
    sshFingerprint(key),
    "SHA256:bbXpuKG6zhzdmnxq256TlqzFBzRl2f6OOg722cYNbU8",
  );
  assertEquals(sshTag(key), "bbXpuA");
});

Deno.test("an encrypted OpenSSH key opens with its passphrase, for each cipher ssh-keygen writes, and a wrong one is a KeyMismatchError", async () => {
  await using dir = await tempDir();
  for (const cipher of ["aes256-ctr", "aes128-ctr", "aes256-gcm@openssh.com"]) {
    const path = join(dir.path, cipher.replace("@", "-"));
    const made = await runCommand("ssh-keygen", [
      "-q",
      "-t",
      "ed25519",
      "-N",
      "pass phrase",
      "-Z",
      cipher,
      "-f",
      path,
    ]);
    assertEquals(made.code, 0, made.stderr);
    const text = await Deno.readTextFile(path);
    const opened = await openSshPrivateKey(text, "pass phrase");
    const plain = parseSshPublicKey(await Deno.readTextFile(`${path}.pub`));
    assertEquals(
      sshFingerprint(opened.publicKey),
      sshFingerprint(plain),
      cipher,
    );
    const encrypter = new Encrypter();
    encrypter.addRecipient(new SshRecipient(plain));
    const decrypter = new Decrypter();
    decrypter.addIdentity(new SshIdentity(opened));
    assertEquals(
      await decrypter.decrypt(await encrypter.encrypt("sealed"), "text"),
      "sealed",
    );
    await assertRejects(
      () => openSshPrivateKey(text, "wrong"),
      KeyMismatchError,
    );
  }
});
