/**
 * Opens the vault in the home directory, `~/.secrets-engine` (the
 * `"home"` location: without it, a set `XDG_CONFIG_HOME` would move the
 * vault outside the granted path). Reading `HOME` is why this needs
 * `--allow-env`.
 *
 *     deno run --allow-env=HOME --allow-read=$HOME/.secrets-engine --allow-write=$HOME/.secrets-engine examples/default_location.ts
 *
 * @module
 */

import { SecretsEngine, SecretsEngineError } from "../mod.ts";

console.log(
  "deno run --allow-env=HOME --allow-read=$HOME/.secrets-engine " +
    "--allow-write=$HOME/.secrets-engine examples/default_location.ts",
);

try {
  await using engine = await SecretsEngine.open({ location: "home" });
  console.log(`${engine.size} secrets in ${engine.storagePath}`);
} catch (error) {
  if (!(error instanceof SecretsEngineError)) throw error;
  console.error(`${error.name} (${error.code}): ${error.message}`);
  Deno.exit(1);
}
