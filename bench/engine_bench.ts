/**
 * Per-operation costs on a 1,000-entry vault.
 *
 *     deno task bench
 *
 * @module
 */

import { SecretsEngine } from "../mod.ts";

const path = await Deno.makeTempDir({ prefix: "secrets-bench-" });
const engine = await SecretsEngine.open({ path, factors: [] });
const SIZE = 1000;
const name = (i: number) => `svc${i % 17}.key${i}`;
await engine.setMany(
  Array.from({ length: SIZE }, (_, i) => [name(i), `value-${i}`] as const),
);
let i = 0;
const next = () => name((i++ * 7919) % SIZE);
// Each write stores a value the entry does not hold yet: an unchanged value
// writes nothing, which the last write bench measures on its own.
let written = 0;
const fresh = () => `new value ${written++}`;

Deno.bench("get (present)", { group: "read", baseline: true }, async () => {
  await engine.get(next());
});
Deno.bench("get (absent)", { group: "read" }, async () => {
  await engine.get("absent.name");
});
Deno.bench("has", { group: "read" }, async () => {
  await engine.has(next());
});
Deno.bench("keys (glob, warm)", async () => {
  await engine.keys("svc1.*");
});
Deno.bench("set (durable)", { group: "write", baseline: true }, async () => {
  await engine.set(next(), fresh());
});
Deno.bench("setMany (100 entries)", { group: "write" }, async () => {
  await engine.setMany(
    Array.from({ length: 100 }, () => [next(), fresh()] as const),
  );
});
await engine.set("same.value", "unchanged");
Deno.bench("set of the value already stored (writes nothing)", {
  group: "write",
}, async () => {
  await engine.set("same.value", "unchanged");
});

globalThis.addEventListener("unload", () => {
  engine.close();
  Deno.removeSync(path, { recursive: true });
});
