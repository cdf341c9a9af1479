/**
 * The quick start: store, read, list and remove secrets in a vault under
 * the current folder, with bytes, an expiry and the history of a value.
 *
 *     deno run --allow-read=./.secrets --allow-write=./.secrets examples/quick_start.ts
 *
 * @module
 */

import { SecretsEngine } from "../mod.ts";

const path = "./.secrets";
console.log(
  `deno run --allow-read=${path} --allow-write=${path} examples/quick_start.ts`,
);

await using engine = await SecretsEngine.open({ path });
// Each run starts from the demo's own names gone, history and all, so it
// says the same thing every time.
await engine.deleteMany([
  "openai.apiKey",
  "aws.accessKeyId",
  "aws.secret",
  "tls.key",
  "session.token",
]);
await engine.set("openai.apiKey", "sk-demo-not-a-real-key");
await engine.setMany({ "aws.accessKeyId": "AKIADEMO", "aws.secret": "demo" });

const key = await engine.get("openai.apiKey");
console.log(`openai.apiKey is stored: ${key !== null} (${key?.length} chars)`);
console.log(`aws.* names: ${(await engine.keys("aws.*")).join(", ")}`);
console.log(`${engine.size} secrets in ${engine.storagePath}`);

await engine.delete("aws.secret");
console.log(`after delete: ${engine.size} secrets`);

// A binary secret, and one that stops being valid in an hour.
await engine.set("tls.key", new Uint8Array([0x30, 0x82, 0x01, 0x0a]));
console.log(`tls.key: ${(await engine.getBytes("tls.key"))?.length} bytes`);
await engine.set("session.token", "demo-session", { ttlMs: 60 * 60 * 1000 });
const token = await engine.getEntry("session.token");
const minutes = Math.round(
  ((token?.expiresAt?.getTime() ?? 0) - Date.now()) / 60_000,
);
console.log(`session.token expires in ${minutes} minutes`);

// Overwriting keeps the old value: a wrong set is one revert away.
await engine.set("openai.apiKey", "sk-oops-pasted-the-wrong-one");
const [current, previous] = await engine.history("openai.apiKey");
await engine.revert("openai.apiKey", previous.version);
console.log(
  `openai.apiKey reverted from version ${current.version} to the value of version ${previous.version}`,
);
