/**
 * In 0.3, long work showed no sign of life. At a terminal,
 * `import`, `rotate` and `scan` show what is done of what, and the rate, on
 * stderr once they have run for about a second; off one, nothing.
 *
 * @module
 */

import { join } from "node:path";
import { assert, assertEquals } from "../../_assert.ts";
import { SecretsEngine } from "../../../mod.ts";
import { tempDir } from "../../_helpers.ts";
import { atTerminal, cli, cliArgs } from "../_cli.ts";
import { progress } from "../../../src/cli/terminal/progress.ts";
import { commandIo, type Streams } from "../../../src/cli/streams.ts";

/** Enough entries for a write to run for more than a second. */
const ENTRIES = 60_000;

Deno.test("at a terminal, import and rotate of many entries show progress with a rate", async () => {
  await using dir = await tempDir();
  const vault = join(dir.path, "vault");
  const file = join(dir.path, "big.env");
  const lines = Array.from({ length: ENTRIES }, (_, i) => `KEY_${i}=v-${i}`);
  await Deno.writeTextFile(file, lines.join("\n"));
  const imported = await atTerminal(
    [],
    ["deno", ...cliArgs(vault, ["import", file], [`--allow-read=${file}`])],
  );
  assertEquals(imported.code, 0, imported.output);
  assert(
    new RegExp(`import: \\d+ of ${ENTRIES} entries \\([\\d.]+ entries/s\\)`)
      .test(imported.output),
    imported.output.slice(-400),
  );
  const rotated = await atTerminal([], ["deno", ...cliArgs(vault, ["rotate"])]);
  assertEquals(rotated.code, 0, rotated.output);
  assert(
    new RegExp(`rotate: \\d+ of ${ENTRIES} entries`).test(rotated.output),
    rotated.output.slice(-400),
  );
  const piped = await cli(vault, ["rotate"]);
  assertEquals(piped.code, 0, piped.stderr);
  assert(!/rotate: \d+ of/.test(piped.stderr), piped.stderr);
});

Deno.test("scan at a terminal shows files and bytes done, and the rate", async () => {
  await using dir = await tempDir();
  const vault = join(dir.path, "vault");
  {
    await using engine = await SecretsEngine.open({ path: vault });
    await engine.set("k", "a-long-enough-value");
  }
  // A clock that runs a second per read: the line shows without a wait.
  let clock = 0;
  const written: string[] = [];
  const terminal = {
    isTerminal: () => true,
    writeSync: (bytes: Uint8Array) => {
      written.push(new TextDecoder().decode(bytes));
      return bytes.length;
    },
    writable: new WritableStream<Uint8Array>(),
  };
  const io = commandIo({ stderr: terminal } as unknown as Streams);
  const line = progress(io, "scan", "files", () => (clock += 1000));
  line.update(3, undefined, 3 * 1024 * 1024);
  line.update(7, 10);
  line.end();
  assertEquals(written, [
    "\r\x1b[2Kscan: 3 files, 3.0 MiB (3.0 MiB/s)",
    "\r\x1b[2Kscan: 7 of 10 files (3.5 files/s)",
    "\r\x1b[2K",
  ]);
  const tree = join(dir.path, "tree");
  await Deno.mkdir(tree);
  await Deno.writeTextFile(join(tree, "a.txt"), "a-long-enough-value");
  const scanned = await atTerminal(
    [],
    ["deno", ...cliArgs(vault, ["scan", tree], [`--allow-read=${tree}`])],
  );
  assertEquals(scanned.code, 1, scanned.output);
  assert(!/scan: \d+ files/.test(scanned.output), "a quick scan shows none");
});
