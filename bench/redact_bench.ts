/**
 * `secrets redact` over a large log: a vault of 1,000 values, a log of
 * `MB` mebibytes (default 1,024) of lines, one in fifty holding a value raw
 * or base64-encoded, piped through a real `deno run` of the CLI under
 * `/usr/bin/time -v` (time and peak memory); beside it, `sed` doing the raw
 * replacements alone over the first 64 MiB (a thousand expressions a line
 * make it slow enough that a whole gigabyte would take most of an hour),
 * for a yardstick.
 *
 *     deno task bench:redact [MB]
 *
 * @module
 */

import { join } from "node:path";
import { SecretsEngine } from "../mod.ts";

const VALUES = 1000;
const MIB = 1024 * 1024;
const CLI = new URL("../src/cli/main.ts", import.meta.url).pathname;
const megabytes = Number(Deno.args[0] ?? 1024);
const SED_MIB = 64;

function token(i: number): string {
  return `tok_${i.toString(36).padStart(4, "0")}_${
    crypto.randomUUID().slice(0, 18)
  }`;
}

/** One mebibyte of log lines; every fiftieth holds a value. */
function block(values: readonly string[], seed: number): Uint8Array {
  const lines: string[] = [];
  let size = 0;
  for (let n = 0; size < MIB; n++) {
    const value = values[(seed * 31 + n) % values.length];
    const line = n % 50 === 0
      ? `2026-12-07T10:00:00Z INFO request ${n} auth=${
        n % 100 === 0 ? value : btoa(value)
      }`
      : `2026-12-07T10:00:00Z INFO request ${n} served /api/items/${n} in ${
        n % 97
      } ms`;
    lines.push(line);
    size += line.length + 1;
  }
  return new TextEncoder().encode(lines.join("\n") + "\n");
}

async function timed(
  command: string,
  input: string,
): Promise<{ seconds: number; rssMb: number }> {
  const ran = await new Deno.Command("sh", {
    args: ["-c", `/usr/bin/time -v ${command} < '${input}' > /dev/null`],
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(ran.stderr);
  const elapsed = text.match(
    /Elapsed \(wall clock\) time .*: (?:(\d+):)?(\d+):([\d.]+)/,
  );
  const rss = text.match(/Maximum resident set size \(kbytes\): (\d+)/);
  if (!ran.success || elapsed === null || rss === null) {
    throw new Error(`${command} failed: ${text.slice(-500)}`);
  }
  const [, h = "0", m, s] = elapsed;
  return {
    seconds: Number(h) * 3600 + Number(m) * 60 + Number(s),
    rssMb: Number(rss[1]) / 1024,
  };
}

const dir = await Deno.makeTempDir({ prefix: "secrets-redact-bench-" });
try {
  const values = Array.from({ length: VALUES }, (_, i) => token(i));
  const vault = join(dir, "vault");
  {
    await using engine = await SecretsEngine.open({ path: vault, factors: [] });
    await engine.setMany(
      Object.fromEntries(values.map((v, i) => [`key.${i}`, v])),
    );
  }
  const log = join(dir, "app.log");
  const slice = join(dir, "slice.log");
  const file = await Deno.open(log, { write: true, create: true });
  const small = await Deno.open(slice, { write: true, create: true });
  for (let i = 0; i < megabytes; i++) {
    const bytes = block(values, i);
    await file.write(bytes);
    if (i < SED_MIB) await small.write(bytes);
  }
  file.close();
  small.close();
  const script = join(dir, "redact.sed");
  await Deno.writeTextFile(
    script,
    values.map((v) => `s/${v}/<redacted>/g`).join("\n") + "\n",
  );
  const cli =
    `deno run --allow-read=${vault} --allow-write=${vault} ${CLI} --path ${vault} redact`;
  const ours = await timed(cli, log);
  console.log(
    `secrets redact: ${megabytes} MiB in ${ours.seconds.toFixed(1)} s, ${
      (megabytes / ours.seconds).toFixed(0)
    } MiB/s, peak ${ours.rssMb.toFixed(0)} MiB (1,000 values, ~12 forms each)`,
  );
  const sedMib = Math.min(megabytes, SED_MIB);
  const sed = await timed(`sed -f '${script}'`, slice);
  console.log(
    `sed, raw forms only: ${sedMib} MiB in ${sed.seconds.toFixed(1)} s, ${
      (sedMib / sed.seconds).toFixed(1)
    } MiB/s, peak ${sed.rssMb.toFixed(0)} MiB`,
  );
} finally {
  await Deno.remove(dir, { recursive: true });
}
