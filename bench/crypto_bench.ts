/**
 * The primitives a vault calls on every operation, through `node:crypto`
 * (what the engine uses) and through Web Crypto, on a secret-sized input.
 * Web Crypto is asynchronous: each call pays for a promise and a hop to
 * Deno's crypto thread, which dominates at this size.
 *
 *     deno task bench
 *
 * @module
 */

import { createCipheriv, createHmac, randomBytes } from "node:crypto";

const key = new Uint8Array(randomBytes(32));
const data = new TextEncoder().encode("sk-".padEnd(64, "x"));
const hmacKey = await crypto.subtle.importKey(
  "raw",
  key,
  { name: "HMAC", hash: "SHA-256" },
  false,
  ["sign"],
);
const aesKey = await crypto.subtle.importKey("raw", key, "AES-GCM", false, [
  "encrypt",
]);

Deno.bench(
  "HMAC-SHA256: node:crypto",
  { group: "hmac", baseline: true },
  () => {
    createHmac("sha256", key).update(data).digest();
  },
);
Deno.bench("HMAC-SHA256: Web Crypto", { group: "hmac" }, async () => {
  await crypto.subtle.sign("HMAC", hmacKey, data);
});
Deno.bench("AES-256-GCM: node:crypto", { group: "gcm", baseline: true }, () => {
  const cipher = createCipheriv("aes-256-gcm", key, randomBytes(12));
  cipher.update(data);
  cipher.final();
  cipher.getAuthTag();
});
Deno.bench("AES-256-GCM: Web Crypto", { group: "gcm" }, async () => {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  await crypto.subtle.encrypt({ name: "AES-GCM", iv }, aesKey, data);
});
