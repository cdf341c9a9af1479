import { assert, assertEquals, assertFalse } from "./_assert.ts";
import {
  decrypt,
  deriveKek,
  deriveSubKeys,
  encrypt,
  equalBytes,
  hmac,
  hmacText,
  randomBytes,
} from "../src/crypto.ts";

const text = (s: string) => new TextEncoder().encode(s);

Deno.test("encrypt uses a fresh IV and decrypt round-trips", () => {
  const key = randomBytes(32);
  const a = encrypt(key, text("secret"), text("row-1"));
  const b = encrypt(key, text("secret"), text("row-1"));
  assertFalse(equalBytes(a, b));
  assertEquals(decrypt(key, a, text("row-1")), text("secret"));
  assertEquals(
    decrypt(key, encrypt(key, new Uint8Array(), text("")), text("")),
    new Uint8Array(),
  );
});

Deno.test("decrypt refuses another key, another aad, altered or short input", () => {
  const key = randomBytes(32);
  const sealed = encrypt(key, text("secret"), text("row-1"));
  assertEquals(decrypt(randomBytes(32), sealed, text("row-1")), null);
  assertEquals(decrypt(key, sealed, text("row-2")), null);
  for (let i = 0; i < sealed.length; i++) {
    const altered = sealed.slice();
    altered[i] ^= 0x80;
    assertEquals(decrypt(key, altered, text("row-1")), null, `byte ${i}`);
  }
  assertEquals(decrypt(key, sealed.subarray(0, 27), text("row-1")), null);
});

Deno.test("hmac matches RFC 4231 test case 2", () => {
  const mac = hmac(text("Jefe"), text("what do ya want for nothing?"));
  assertEquals(
    Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join(""),
    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
  );
  assertEquals(
    hmacText(text("Jefe"), "what do ya want for nothing?"),
    "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM",
  );
});

Deno.test("sub-keys differ per purpose and are deterministic", () => {
  const dek = randomBytes(32);
  const keys = deriveSubKeys(dek);
  const all = Object.values(keys).map((key) => key.join());
  assertEquals(new Set(all).size, Object.keys(keys).length);
  assertEquals(deriveSubKeys(dek).seal, keys.seal);
});

Deno.test("deriveKek depends on the secret, the salt and the parameters", async () => {
  const params = { N: 1024, r: 8, p: 1 };
  const secret = randomBytes(32);
  const salt = randomBytes(32);
  const kek = await deriveKek(secret, salt, params);
  assertEquals(await deriveKek(secret, salt, params), kek);
  assertFalse(equalBytes(await deriveKek(randomBytes(32), salt, params), kek));
  assertFalse(
    equalBytes(await deriveKek(secret, randomBytes(32), params), kek),
  );
  assertFalse(
    equalBytes(await deriveKek(secret, salt, { ...params, N: 2048 }), kek),
  );
});

Deno.test("equalBytes compares length and content", () => {
  assert(equalBytes(new Uint8Array([1, 2]), new Uint8Array([1, 2])));
  assertFalse(equalBytes(new Uint8Array([1, 2]), new Uint8Array([1, 3])));
  assertFalse(equalBytes(new Uint8Array([1]), new Uint8Array([1, 2])));
});
