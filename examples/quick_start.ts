/**
 * The quick start: store, read, list and remove secrets in a vault under
 * the current folder.
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
await engine.set("openai.apiKey", "sk-demo-not-a-real-key");
await engine.setMany({ "aws.accessKeyId": "AKIADEMO", "aws.secret": "demo" });

const key = await engine.get("openai.apiKey");
console.log(`openai.apiKey is stored: ${key !== null} (${key?.length} chars)`);
console.log(`aws.* names: ${(await engine.keys("aws.*")).join(", ")}`);
console.log(`${engine.size} secrets in ${engine.storagePath}`);

await engine.delete("aws.secret");
console.log(`after delete: ${engine.size} secrets`);
