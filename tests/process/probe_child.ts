/**
 * Opens a vault and runs one step, printing one JSON line: what happened, or
 * the error's class, code, flag and message. For tests of what a process
 * sees under given permission flags.
 *
 *     deno run <flags> probe_child.ts <vault> open|info|write-loop
 *
 * `write-loop` writes until an error, printing `ack N` after each write.
 *
 * @module
 */

import {
  PermissionError,
  SecretsEngine,
  SecretsEngineError,
} from "../../mod.ts";

const [path, step] = Deno.args;

function report(result: Record<string, unknown>): void {
  console.log(JSON.stringify(result));
}

try {
  await using engine = await SecretsEngine.open({ path });
  if (step === "info") report({ info: await engine.info() });
  if (step === "write-loop") {
    for (let n = 0;; n++) {
      await engine.set(`loop.k${n}`, `v${n}`);
      console.log(`ack ${n}`);
    }
  }
  if (step === "open") report({ ok: true });
} catch (error) {
  report({
    error: error instanceof Error ? error.name : String(error),
    engine: error instanceof SecretsEngineError,
    code: error instanceof SecretsEngineError ? error.code : null,
    flag: error instanceof PermissionError ? error.flag : null,
    message: error instanceof Error ? error.message : null,
  });
}
