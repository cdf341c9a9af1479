/**
 * The no-echo prompt at a real terminal: a pseudo-terminal driven by
 * `tests/cli/pty_driver.py`, with the CLI run by `bash` so that a line the
 * CLI leaves unread shows up in the shell, as it would for a user.
 *
 * @module
 */

import { join } from "node:path";
import { assert, assertEquals, assertFalse } from "../../_assert.ts";
import { canRun, canSpawn, runDeno, tempDir } from "../../_helpers.ts";
import { atTerminal, CLI, cliArgs } from "../_cli.ts";

const PASTE_START = "\x1b[200~";
const PASTE_END = "\x1b[201~";

/** Types `input` at the `set` prompt; reports what the shell read after. */
async function setAtTerminal(
  vault: string,
  input: string,
): Promise<{ code: number; output: string; leftover: string }> {
  const cli = [
    "deno run --no-prompt",
    `--allow-read=${vault}`,
    `--allow-write=${vault}`,
    CLI,
    `--path ${vault} set tty.key`,
  ].join(" ");
  const script =
    `${cli}; code=$?; read -r -t 1 rest; echo "LEFT<$rest>"; exit $code`;
  const result = await atTerminal(
    [{ expect: "Value for" }, { send: input }],
    ["bash", "-c", script],
  );
  const leftover = /LEFT<([^>]*)>/.exec(result.output)?.[1] ?? "?";
  return { code: result.code, output: result.output, leftover };
}

async function stored(vault: string): Promise<string | null> {
  const result = await runDeno(cliArgs(vault, ["get", "tty.key"]));
  return result.code === 0 ? result.stdout : null;
}

const test = (name: string, fn: (vault: string) => Promise<void>) =>
  Deno.test({
    name,
    ignore: !canSpawn || !canRun("python3") || Deno.build.os === "windows",
    fn: async () => {
      await using dir = await tempDir();
      await fn(join(dir.path, "vault"));
    },
  });

// The first line was stored and the rest of the paste
// was echoed in clear and run by the shell after the CLI exited.
test("multi-line paste: refused whole, nothing stored, nothing left for the shell", async (vault) => {
  const result = await setAtTerminal(vault, "line1\rline2\rrm -rf x\r");
  assertEquals(result.code, 1, result.output);
  assert(result.output.includes("went on after the end of the line"));
  assertEquals(result.leftover, "");
  assertFalse(result.output.includes("line2"), "the paste was echoed");
  assertEquals(await stored(vault), null);
});

test("bracketed paste: a pasted multi-line value is stored whole", async (vault) => {
  const result = await setAtTerminal(
    vault,
    `${PASTE_START}-----BEGIN KEY-----\rline two\r-----END KEY-----${PASTE_END}\r`,
  );
  assertEquals(result.code, 0, result.output);
  assertFalse(result.output.includes("line two"), "the paste was echoed");
  assertEquals(result.leftover, "");
  assertEquals(
    await stored(vault),
    "-----BEGIN KEY-----\nline two\n-----END KEY-----",
  );
});

// Ctrl-C at a prompt said "nothing was stored" and
// exited 1; a shell user expects the 130 of an interrupted command.
test("Ctrl-C at the prompt aborts without storing, as SIGINT would: 130, no message", async (vault) => {
  const result = await setAtTerminal(vault, "half-typed\x03");
  assertEquals(result.code, 130, result.output);
  assertFalse(result.output.includes("nothing was stored"), result.output);
  assertEquals(await stored(vault), null);
});

test("Ctrl-U, Backspace and arrow keys edit; escape sequences are never stored", async (vault) => {
  const result = await setAtTerminal(vault, "wrong\x15ab\x7fc\x1b[D\x1bOAd\r");
  assertEquals(result.code, 0, result.output);
  assertEquals(await stored(vault), "acd");
});

test("Ctrl-D ends the input", async (vault) => {
  const result = await setAtTerminal(vault, "typed\x04");
  assertEquals(result.code, 0, result.output);
  assertEquals(await stored(vault), "typed");
});

// At a terminal, Deno itself prompted for a permission the
// CLI lacked. Here the CLI runs without --no-prompt, as a user may run it.
test("no Deno permission prompt at a terminal: a missing flag is named instead", async (vault) => {
  const file = join(vault, "..", "outside.env");
  await Deno.writeTextFile(file, "A=1\n");
  const result = await atTerminal([], [
    "deno",
    ...cliArgs(vault, ["import", file], [], true),
  ]);
  assertEquals(result.code, 1, result.output);
  assert(result.output.includes(`--allow-read=${file}`), result.output);
  assertFalse(/Deno requests|Allow\?/.test(result.output), result.output);
});

// An empty value can be stored, but not by a slip of Enter.
test("Enter alone at the prompt stores nothing and says how to store an empty value", async (vault) => {
  const result = await setAtTerminal(vault, "\r");
  assertEquals(result.code, 1, result.output);
  assert(result.output.includes("< /dev/null"), result.output);
  assertEquals(await stored(vault), null);
});
