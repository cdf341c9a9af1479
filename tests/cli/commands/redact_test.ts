/**
 * `secrets redact`: every value, raw and encoded, masked in a stream; a
 * value split across two reads still masked; a line goes out as soon as it
 * ends, so a live log stays live; `--only` narrows what is masked; and
 * `run --redact` masks encoded values too.
 *
 * @module
 */

import { join } from "node:path";
import { assert, assertEquals } from "../../_assert.ts";
import { tempDir } from "../../_helpers.ts";
import { cli, cliArgs } from "../_cli.ts";
import { logRedactor } from "../../../src/cli/running/log_redact.ts";

const TOKEN = "sk-live-5f3c9a1e7d2b";
const hex = (text: string) =>
  Array.from(
    new TextEncoder().encode(text),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");

Deno.test("redact masks every value raw, base64, hex, percent-encoded and JSON-escaped, and --only narrows it", async () => {
  await using dir = await tempDir();
  const vault = join(dir.path, "vault");
  await cli(vault, ["set", "api.token"], { stdin: TOKEN });
  await cli(vault, ["set", "db.password"], { stdin: 'pa ss"word/é' });
  const log = [
    `raw ${TOKEN} end`,
    `base64 ${btoa(TOKEN)}`,
    `hex ${hex(TOKEN)}`,
    `percent ${encodeURIComponent('pa ss"word/é')}`,
    `json ${JSON.stringify('pa ss"word/é')}`,
    "nothing secret here",
  ].join("\n") + "\n";
  const all = await cli(vault, ["redact"], { stdin: log });
  assertEquals(all.code, 0, all.stderr);
  assert(!all.stdout.includes(TOKEN) && !all.stdout.includes(hex(TOKEN)));
  assert(!all.stdout.includes(btoa(TOKEN).slice(0, 20)), all.stdout);
  assert(!all.stdout.includes("pa ss") && !all.stdout.includes("%22word"));
  assert(all.stdout.includes("raw <redacted> end"));
  assert(all.stdout.endsWith("nothing secret here\n"));
  const only = await cli(vault, ["redact", "--only", "api.*"], { stdin: log });
  assert(!only.stdout.includes(TOKEN));
  assert(only.stdout.includes(encodeURIComponent('pa ss"word/é')));
  const none = await cli(vault, ["redact", "--only", "nope.*"], { stdin: log });
  assertEquals(none.code, 1);
});

Deno.test("a value split across reads is masked, and text around it is kept byte for byte", async () => {
  const enc = new TextEncoder();
  const text = `a${TOKEN}b\nline two ${TOKEN}\nno end`;
  for (let split = 1; split < text.length; split += 3) {
    const out = await new Response(
      ReadableStream.from([
        enc.encode(text.slice(0, split)),
        enc.encode(text.slice(split)),
      ])
        .pipeThrough(logRedactor([enc.encode(TOKEN)])),
    ).text();
    assertEquals(
      out,
      "a<redacted>b\nline two <redacted>\nno end",
      `split at ${split}`,
    );
  }
});

Deno.test("redact lets a line out as soon as it ends: a live log stays live", async () => {
  await using dir = await tempDir();
  const vault = join(dir.path, "vault");
  await cli(vault, ["set", "api.token"], { stdin: TOKEN });
  const child = new Deno.Command("deno", {
    args: cliArgs(vault, ["redact"]),
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const writer = child.stdin.getWriter();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  await writer.write(new TextEncoder().encode(`first ${TOKEN}\n`));
  let seen = "";
  while (!seen.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    seen += value;
  }
  assertEquals(seen, "first <redacted>\n");
  await writer.close();
  while (!(await reader.read()).done) { /* drain */ }
  assertEquals((await child.status).code, 0);
});

Deno.test("run --redact masks a value's encoded forms in the program's output", async () => {
  await using dir = await tempDir();
  const vault = join(dir.path, "vault");
  await cli(vault, ["set", "api.token"], { stdin: TOKEN });
  const ran = await cli(vault, [
    "run",
    "--redact",
    "--",
    "sh",
    "-c",
    'printf "%s\\n" "$API_TOKEN" | base64',
  ], { flags: ["--allow-run=sh,base64", "--allow-env"] });
  assertEquals(ran.code, 0, ran.stderr);
  assert(!ran.stdout.includes(btoa(TOKEN).slice(0, 20)), ran.stdout);
  assert(ran.stdout.includes("<redacted>"), ran.stdout);
});
