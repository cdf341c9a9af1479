/**
 * Running the `secrets` CLI as a user does: a real `deno run` of the entry
 * point, with read and write on the vault and the flags a test adds.
 *
 * @module
 */

import { canSpawn, type ChildResult, runDeno } from "../_helpers.ts";

/** The CLI's entry point. */
export const CLI: string =
  new URL("../../src/cli/main.ts", import.meta.url).pathname;

/** Runs `secrets --path vault ...args` with the vault's read/write flags. */
export function cli(
  vault: string,
  args: string[],
  options: { stdin?: string | Uint8Array; flags?: string[] } = {},
): Promise<ChildResult> {
  return runDeno(
    [
      "run",
      "--no-prompt",
      `--allow-read=${vault}`,
      `--allow-write=${vault}`,
      ...(options.flags ?? []),
      CLI,
      "--path",
      vault,
      ...args,
    ],
    { stdin: options.stdin },
  );
}

/** A test that needs to spawn `deno`, skipped (and so marked) without it. */
export function cliTest(
  name: string,
  fn: (t: Deno.TestContext) => Promise<void>,
): void {
  Deno.test({ name, ignore: !canSpawn, fn });
}
