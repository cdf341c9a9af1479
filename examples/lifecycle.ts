/**
 * A vault's whole life under the least privilege: create, write, read,
 * reopen, list, delete and destroy, with read and write on the vault
 * directory and no other permission.
 *
 *     deno run --allow-read=./.secrets-lifecycle --allow-write=./.secrets-lifecycle examples/lifecycle.ts ./.secrets-lifecycle
 *
 * @module
 */

import { SecretsEngine, SecretsEngineError } from "../mod.ts";

const path = Deno.args[0] ?? "./.secrets-lifecycle";
console.log(
  `deno run --allow-read=${path} --allow-write=${path} examples/lifecycle.ts ${path}`,
);

try {
  {
    await using engine = await SecretsEngine.open({ path });
    await engine.set("service.token", "token-value");
    await engine.setMany({ "db.user": "app", "db.password": "pw" });
  }
  await using engine = await SecretsEngine.open({ path });
  if (await engine.get("service.token") !== "token-value") {
    throw new Error("the value did not survive a reopen");
  }
  console.log(`names: ${(await engine.keys()).join(", ")}`);
  await engine.delete("db.password");
  console.log(`after delete: ${(await engine.keys("db.*")).join(", ")}`);
  await engine.destroy();
  console.log("destroyed");
} catch (error) {
  if (!(error instanceof SecretsEngineError)) throw error;
  console.error(`${error.name} (${error.code}): ${error.message}`);
  Deno.exit(1);
}
