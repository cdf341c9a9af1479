/**
 * `backup`, `restore`, `keygen` and `run --from` through a real `deno run`,
 * and interop with the standard `age` command-line tool both ways, armored
 * and not, with recipients and with passphrases (through a pseudo-terminal,
 * where `age` reads them).
 *
 * @module
 */

import { join } from "node:path";
import { assert, assertEquals, assertFalse } from "../../_assert.ts";
import {
  canSpawn,
  type ChildResult,
  installed,
  runCommand,
  tempDir,
} from "../../_helpers.ts";
import { atTerminal, cli } from "../_cli.ts";
import { MAX_AGE_FILE_BYTES } from "../../../src/age/age.ts";

const ready = canSpawn && installed("age") && Deno.build.os !== "windows";
if (!ready) {
  console.log(
    "backup_test: skipped: needs the age CLI (apt-get install age) and --allow-run=deno,age,sh (run `deno task test`)",
  );
}
const SECRETS: Record<string, string> = {
  "db.url": "postgres://u:p@h/db",
  "tls.key": "-----BEGIN KEY-----\nline two\n-----END KEY-----",
  "quote.it": "it's $HOME",
};

/** A temporary directory with a vault of {@linkcode SECRETS} in it. */
interface Setup {
  dir: string;
  run(args: string[], stdin?: string, vault?: string): Promise<ChildResult>;
  age(args: string[], stdin?: string): Promise<ChildResult>;
  keygen(name: string): Promise<{ file: string; recipient: string }>;
}

function test(name: string, fn: (setup: Setup) => Promise<void>): void {
  Deno.test({
    name,
    ignore: !ready,
    fn: async () => {
      await using temp = await tempDir();
      const dir = temp.path;
      const flags = [`--allow-read=${dir}`, `--allow-write=${dir}`];
      const run = (
        args: string[],
        stdin?: string,
        vault = join(dir, "vault"),
      ) => cli(vault, args, { flags: [...flags, "--allow-run=sh"], stdin });
      const age = (args: string[], stdin?: string) =>
        runCommand("age", args, { stdin, cwd: dir });
      const keygen = async (name: string) => {
        const file = join(dir, name);
        const made = await run(["keygen", "-o", file]);
        assertEquals(made.code, 0, made.stderr);
        return { file, recipient: made.stdout.trim() };
      };
      const imported = await run(
        ["import", "-"],
        Object.entries(SECRETS).map(([k, v]) =>
          `${k.replace(".", "_")}='${v.replaceAll("'", "'\\''")}'`
        ).join("\n"),
      );
      assertEquals(imported.code, 0, imported.stderr);
      await fn({ dir, run, age, keygen });
    },
  });
}

const NAMES = Object.keys(SECRETS).map((k) => k.replace(".", "_"));
const valuesOf = (json: string) =>
  Object.fromEntries(
    JSON.parse(json).entries.map((e: { name: string; value: string }) => [
      e.name,
      e.value,
    ]),
  );
const EXPECTED = Object.fromEntries(
  Object.entries(SECRETS).map(([k, v]) => [k.replace(".", "_"), v]),
);

test("keygen writes a 0600 identity and prints its recipient", async ({ keygen }) => {
  const { file, recipient } = await keygen("key.txt");
  assert(/^age1[a-z0-9]+$/.test(recipient), recipient);
  assertEquals(((await Deno.stat(file)).mode ?? 0) & 0o777, 0o600);
  assert(
    (await Deno.readTextFile(file)).includes(`# public key: ${recipient}`),
  );
});

test("a backup to a recipient decrypts with age -d -i, and the JSON inside matches the vault", async ({ run, age, keygen, dir }) => {
  const { file, recipient } = await keygen("key.txt");
  for (const armor of [[], ["--armor"]]) {
    const backup = join(dir, `b${armor.length}.age`);
    const made = await run([
      "backup",
      backup,
      "--recipient",
      recipient,
      ...armor,
    ]);
    assertEquals(made.code, 0, made.stderr);
    assert(made.stderr.includes("backed up 3 secrets"), made.stderr);
    assertEquals(((await Deno.stat(backup)).mode ?? 0) & 0o777, 0o600);
    const plain = await age(["-d", "-i", file, backup]);
    assertEquals(plain.code, 0, plain.stderr);
    assertEquals(valuesOf(plain.stdout), EXPECTED);
  }
});

test("a document age -r encrypts (binary or armored) restores with secrets restore", async ({ run, age, keygen, dir }) => {
  const { file, recipient } = await keygen("key.txt");
  const backup = join(dir, "b.age");
  await run(["backup", backup, "--recipient", recipient]);
  const json = (await age(["-d", "-i", file, backup])).stdout;
  for (const armor of [[], ["-a"]]) {
    const theirs = join(dir, `theirs${armor.length}.age`);
    const made = await age(["-r", recipient, ...armor, "-o", theirs], json);
    assertEquals(made.code, 0, made.stderr);
    const fresh = join(dir, `fresh${armor.length}`);
    const restored = await run(
      ["restore", theirs, "--identity", file],
      undefined,
      fresh,
    );
    assertEquals(restored.code, 0, restored.stderr);
    for (const name of NAMES) {
      const got = await run(["get", name], undefined, fresh);
      assertEquals(got.stdout, EXPECTED[name]);
    }
  }
});

test("passphrases interoperate: age -p (at a terminal) to restore, backup --age-passphrase to age -d", async ({ run, dir }) => {
  const backup = join(dir, "ours.age");
  const made = await run(
    ["backup", backup, "--age-passphrase"],
    "pass phrase\n",
  );
  assertEquals(made.code, 0, made.stderr);
  const out = join(dir, "ours.json");
  const decrypted = await atTerminal(
    [{ expect: "passphrase" }, { send: "pass phrase\r" }],
    ["age", "-d", "-o", out, backup],
  );
  assertEquals(decrypted.code, 0, decrypted.output);
  assertEquals(valuesOf(await Deno.readTextFile(out)), EXPECTED);
  const theirs = join(dir, "theirs.age");
  const encrypted = await atTerminal(
    [
      { expect: "passphrase" },
      { send: "their phrase\r" },
      { expect: "onfirm" },
      { send: "their phrase\r" },
    ],
    ["age", "-p", "-o", theirs, out],
  );
  assertEquals(encrypted.code, 0, encrypted.output);
  const fresh = join(dir, "fresh");
  const restored = await run(
    ["restore", theirs, "--age-passphrase"],
    "their phrase\n",
    fresh,
  );
  assertEquals(restored.code, 0, restored.stderr);
  assertEquals(
    (await run(["get", "db_url"], undefined, fresh)).stdout,
    EXPECTED.db_url,
  );
});

test("backup, destroy, restore round-trips every entry with its timestamps", async ({ run, age, keygen, dir }) => {
  const { file, recipient } = await keygen("key.txt");
  const first = join(dir, "first.age");
  await run(["backup", first, "--recipient", recipient]);
  assertEquals((await run(["destroy", "--yes"])).code, 0);
  const restored = await run(["restore", first, "--identity", file]);
  assertEquals(restored.code, 0, restored.stderr);
  assert(restored.stderr.includes("restored 3 secrets"), restored.stderr);
  const second = join(dir, "second.age");
  await run(["backup", second, "--recipient", recipient]);
  const entries = async (backup: string) =>
    JSON.parse((await age(["-d", "-i", file, backup])).stdout).entries;
  assertEquals(await entries(second), await entries(first));
});

test("run --from takes secrets from a backup, with no vault at all", async ({ run, keygen, dir }) => {
  const { file, recipient } = await keygen("key.txt");
  const backup = join(dir, "ci.age");
  await run(["backup", backup, "--recipient", recipient]);
  const nowhere = join(dir, "no-vault-here");
  const result = await run(
    [
      "run",
      "--from",
      backup,
      "--identity",
      file,
      "--only",
      "db_*",
      "--",
      "sh",
      "-c",
      'printf "%s|%s" "$DB_URL" "${TLS_KEY:-unset}"',
    ],
    undefined,
    nowhere,
  );
  assertEquals(result.code, 0, result.stderr);
  assertEquals(result.stdout, `${EXPECTED.db_url}|unset`);
  assertFalse(await Deno.stat(nowhere).then(() => true, () => false));
});

// The CI recipe named the identity by an environment
// variable the program run starts could read from /proc/$PPID/environ.
test("run --from --identity - takes the identity from stdin's first line, leaving the rest to the program", async ({ run, keygen, dir }) => {
  const { file, recipient } = await keygen("key.txt");
  const backup = join(dir, "ci.age");
  await run(["backup", backup, "--recipient", recipient]);
  const identity = (await Deno.readTextFile(file)).split("\n")
    .find((line) => line.startsWith("AGE-SECRET-KEY-")) ?? "";
  const result = await run(
    [
      "run",
      "--from",
      backup,
      "--identity",
      "-",
      "--",
      "sh",
      "-c",
      'tr "\\0" "\\n" < /proc/$PPID/environ; cat; printf "%s" "$DB_URL"',
    ],
    `${identity}\nprogram input\n`,
    join(dir, "no-vault-here"),
  );
  assertEquals(result.code, 0, result.stderr);
  assertFalse(result.stdout.includes(identity), "the identity is readable");
  assert(result.stdout.includes("program input"), result.stdout);
  assert(result.stdout.endsWith(EXPECTED.db_url), result.stdout);
});

test("bad input: wrong identity, damaged or foreign files, newer documents, huge files, no key", async ({ run, age, keygen, dir }) => {
  const { file, recipient } = await keygen("key.txt");
  const stranger = await keygen("stranger.txt");
  const backup = join(dir, "b.age");
  await run(["backup", backup, "--recipient", recipient]);
  const fresh = join(dir, "fresh");
  const restore = (path: string, key = file) =>
    run(["restore", path, "--identity", key], undefined, fresh);
  const failures: [string, ChildResult, RegExp][] = [];
  failures.push([
    "wrong identity",
    await restore(backup, stranger.file),
    /does not open/,
  ]);
  const bytes = await Deno.readFile(backup);
  const truncated = join(dir, "truncated.age");
  await Deno.writeFile(truncated, bytes.subarray(0, bytes.length - 30));
  failures.push([
    "truncated",
    await restore(truncated),
    /not an intact age file/,
  ]);
  const foreign = join(dir, "foreign.age");
  await age(["-r", recipient, "-o", foreign], "just some text\n");
  failures.push([
    "not a backup",
    await restore(foreign),
    /not a @scope\/secrets export/,
  ]);
  const newer = join(dir, "newer.age");
  await age(
    ["-r", recipient, "-o", newer],
    '{"type":"@scope/secrets export","version":9,"exported":"2030-01-01T00:00:00Z","entries":[]}',
  );
  failures.push(["newer version", await restore(newer), /version 9/]);
  const huge = join(dir, "huge.age");
  await Deno.writeFile(huge, new Uint8Array());
  await Deno.truncate(huge, MAX_AGE_FILE_BYTES + 1);
  failures.push(["huge", await restore(huge), /larger than/]);
  for (const [what, result, message] of failures) {
    assertEquals(result.code, 1, `${what}: ${result.stderr}`);
    assert(message.test(result.stderr), `${what}: ${result.stderr}`);
    assertFalse(/\n\s+at /.test(result.stderr), `${what}: a stack trace`);
  }
  assertFalse(
    await Deno.stat(fresh).then(() => true, () => false),
    "a vault was created",
  );
  assertEquals((await run(["backup", join(dir, "x.age")])).code, 2);
  assertEquals(
    (await run([
      "backup",
      join(dir, "x.age"),
      "--age-passphrase",
      "--recipient",
      recipient,
    ], "p\n")).code,
    2,
  );
  const again = await run(["backup", backup, "--recipient", recipient]);
  assertEquals(again.code, 1);
  assert(again.stderr.includes("--force"), again.stderr);
  const noEnv = await run(["restore", backup, "--identity-env", "AGE_KEY"]);
  assertEquals(noEnv.code, 1);
  assert(noEnv.stderr.includes("--allow-env=AGE_KEY"), noEnv.stderr);
});

test("a backup keeps bytes and expiry; restore brings them back, run --from leaves bytes and expired out", async ({ run, age, keygen, dir }) => {
  const { file, recipient } = await keygen("key.txt");
  const bytes = new Uint8Array([0, 0xff, 0x1b, 10]);
  const input = join(dir, "cert.der");
  await Deno.writeFile(input, bytes);
  assertEquals((await run(["set", "cert.der", "--file", input])).code, 0);
  const later = await run(["set", "session", "--ttl", "1d"], "s-1");
  assertEquals(later.code, 0, later.stderr);
  const backup = join(dir, "b.age");
  assertEquals(
    (await run(["backup", backup, "--recipient", recipient])).code,
    0,
  );
  const doc = JSON.parse((await age(["-d", "-i", file, backup])).stdout);
  const byName = new Map(
    doc.entries.map((e: { name: string }) => [e.name, e]),
  );
  assertEquals(doc.version, 2);
  const cert = byName.get("cert.der") as { kind: string; value: string };
  assertEquals([cert.kind, cert.value], ["bytes", "AP8bCg=="]);
  assert((byName.get("session") as { expires: string }).expires !== null);
  const fresh = join(dir, "fresh");
  const restored = await run(
    ["restore", backup, "--identity", file],
    undefined,
    fresh,
  );
  assertEquals(restored.code, 0, restored.stderr);
  const out = join(dir, "out.der");
  await run(["get", "cert.der", "--out", out], undefined, fresh);
  assertEquals(await Deno.readFile(out), bytes);
  const listed = await run(["list", "--long"], undefined, fresh);
  assert(/session\s+text\s+\S+\s+\d{4}-/.test(listed.stdout), listed.stdout);
  const env = await run(
    [
      "run",
      "--from",
      backup,
      "--identity",
      file,
      "--",
      "sh",
      "-c",
      'printf "%s|%s" "$SESSION" "${CERT_DER:-unset}"',
    ],
    undefined,
    join(dir, "none"),
  );
  assertEquals(env.code, 0, env.stderr);
  assertEquals(env.stdout, "s-1|unset");
  assert(env.stderr.includes('skipped "cert.der"'), env.stderr);
});

// Only X25519 identities were accepted, though the age library
// reads post-quantum hybrid ones, as age 1.3 and SOPS 3.12 do.
test("keygen --pq makes a post-quantum identity that backup, restore and run --from take", async ({ run, dir }) => {
  const key = join(dir, "pq.txt");
  const made = await run(["keygen", "--pq", "-o", key]);
  assertEquals(made.code, 0, made.stderr);
  const recipient = made.stdout.trim();
  assert(recipient.startsWith("age1pq1"), recipient);
  assert((await Deno.readTextFile(key)).includes("AGE-SECRET-KEY-PQ-1"));
  const backup = join(dir, "pq.age");
  const saved = await run(["backup", backup, "--recipient", recipient]);
  assertEquals(saved.code, 0, saved.stderr);
  const fresh = join(dir, "fresh");
  const restored = await run(
    ["restore", backup, "--identity", key],
    undefined,
    fresh,
  );
  assertEquals(restored.code, 0, restored.stderr);
  const ran = await run(
    [
      "run",
      "--from",
      backup,
      "--identity",
      key,
      "--",
      "sh",
      "-c",
      'printf "%s" "$DB_URL"',
    ],
    undefined,
    join(dir, "no-vault"),
  );
  assertEquals([ran.code, ran.stdout], [0, EXPECTED.db_url], ran.stderr);
});
