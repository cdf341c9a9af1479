/**
 * Opens the vault at its default location: `$XDG_CONFIG_HOME/secrets-engine`
 * when that variable is set, else `~/.secrets-engine`. Reading those
 * variables is why this needs `--allow-env`.
 *
 *     deno run --allow-env=HOME,XDG_CONFIG_HOME --allow-read=$HOME/.secrets-engine --allow-write=$HOME/.secrets-engine examples/default_location.ts
 *
 * @module
 */

import { SecretsEngine, SecretsEngineError } from "../mod.ts";

console.log(
  "deno run --allow-env=HOME,XDG_CONFIG_HOME --allow-read=$HOME/.secrets-engine " +
    "--allow-write=$HOME/.secrets-engine examples/default_location.ts",
);

try {
  await using engine = await SecretsEngine.open();
  console.log(`${engine.size} secrets in ${engine.storagePath}`);
} catch (error) {
  if (!(error instanceof SecretsEngineError)) throw error;
  console.error(`${error.name} (${error.code}): ${error.message}`);
  Deno.exit(1);
}
