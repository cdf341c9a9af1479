/**
 * `init`, `slots`, `rebind`, `rotate` and the unlock options, through a
 * real `deno run`, at a pseudo-terminal where a passphrase is typed.
 *
 * @module
 */

import { join } from "node:path";
import { assert, assertEquals, assertFalse } from "../../_assert.ts";
import { canRun, runDeno, tempDir } from "../../_helpers.ts";
import { atTerminal, cli, cliArgs, cliTest } from "../_cli.ts";
import { randomBytes } from "../../../src/crypto.ts";
import { deriveSlotKek, draftSlot, wrapSlot } from "../../../src/keys/slot.ts";
import { closeVault } from "../../../src/vault/close.ts";
import { openVault } from "../../../src/vault/open.ts";
import { writeSlots } from "../../../src/storage/writes.ts";

const KEY_LINE = /^([0-9A-Z]{5}-){6}[0-9A-Z]{3}\n$/;

cliTest(
  "init --recovery-key prints the key once, to stdout alone; a second init refuses",
  async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    const first = await cli(vault, ["init", "--recovery-key"]);
    assertEquals(first.code, 0, first.stderr);
    assert(KEY_LINE.test(first.stdout), first.stdout);
    assert(first.stderr.includes("offline"), first.stderr);
    assertFalse(first.stderr.includes(first.stdout.trim()));
    const second = await cli(vault, ["init", "--recovery-key"]);
    assertEquals(second.code, 1);
    assert(second.stderr.includes("already exists"), second.stderr);
    assertEquals(second.stdout, "");
  },
);

cliTest(
  "the lost-keyfile day: the recovery key opens the vault, rebind restores the plain unlock",
  async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    const key = (await cli(vault, ["init", "--recovery-key"])).stdout;
    await cli(vault, ["set", "api"], { stdin: "sk-1" });
    await Deno.remove(join(vault, ".keyfile"));
    const locked = await cli(vault, ["get", "api"]);
    assertEquals(locked.code, 1);
    assert(locked.stderr.includes("--key-file"), locked.stderr);
    const env = { SECRETS_KEY: key.trim() };
    const ungranted = await runDeno(
      cliArgs(vault, ["--key-env", "SECRETS_KEY", "get", "api"]),
      { env },
    );
    assertEquals(ungranted.code, 1);
    assert(
      ungranted.stderr.includes("--allow-env=SECRETS_KEY"),
      ungranted.stderr,
    );
    const granted = await runDeno(
      cliArgs(vault, ["--key-env", "SECRETS_KEY", "get", "api"], [
        "--allow-env=SECRETS_KEY",
      ]),
      { env },
    );
    assertEquals([granted.code, granted.stdout], [0, "sk-1"], granted.stderr);
    const keyFile = join(vault, "key.txt");
    await Deno.writeTextFile(keyFile, key.toLowerCase().replaceAll("-", ""));
    const rebound = await cli(vault, ["--key-file", keyFile, "rebind"]);
    assertEquals(rebound.code, 0, rebound.stderr);
    assertEquals((await cli(vault, ["get", "api"])).stdout, "sk-1");
  },
);

Deno.test({
  name: "run --key-env NAME: the program never sees NAME",
  ignore: !canRun("deno") || !canRun("sh"),
  fn: async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    const key = (await cli(vault, ["init", "--recovery-key"])).stdout.trim();
    await cli(vault, ["set", "api"], { stdin: "sk-1" });
    const result = await runDeno(
      cliArgs(
        vault,
        [
          "--key-env",
          "CI_KEY",
          "run",
          "--",
          "sh",
          "-c",
          'echo "${CI_KEY-unset} $API"',
        ],
        ["--allow-env=CI_KEY", "--allow-run=sh"],
      ),
      { env: { CI_KEY: key } },
    );
    assertEquals(
      [result.code, result.stdout],
      [0, "unset sk-1\n"],
      result.stderr,
    );
  },
});

cliTest(
  "slots: add a passphrase from stdin, list, unlock with --passphrase-file, remove; the last slot stays",
  async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    await cli(vault, ["set", "api"], { stdin: "sk-1" });
    const added = await cli(vault, [
      "slots",
      "add",
      "passphrase",
      "--label",
      "laptop",
    ], {
      stdin: "pass phrase\n",
    });
    assertEquals(added.code, 0, added.stderr);
    const listed = await cli(vault, ["slots"]);
    assert(/machine .*keyfile only/.test(listed.stdout), listed.stdout);
    assert(/passphrase +laptop/.test(listed.stdout), listed.stdout);
    const passFile = join(vault, "pass.txt");
    await Deno.writeTextFile(passFile, "pass phrase\n");
    const read = await cli(vault, [
      "--passphrase-file",
      passFile,
      "get",
      "api",
    ]);
    assertEquals([read.code, read.stdout], [0, "sk-1"], read.stderr);
    const wrong = join(vault, "wrong.txt");
    await Deno.writeTextFile(wrong, "pass phrase \n");
    const refused = await cli(vault, [
      "--passphrase-file",
      wrong,
      "get",
      "api",
    ]);
    assertEquals(refused.code, 1);
    assert(refused.stderr.includes("opens no slot"), refused.stderr);
    const machine = listed.stdout.split("\n").find((line) =>
      line.includes("machine")
    )
      ?.split(/\s+/)[0].replace("*", "");
    assert(machine);
    assertEquals(
      (await cli(vault, [
        "--passphrase-file",
        passFile,
        "slots",
        "remove",
        machine,
      ])).code,
      0,
    );
    const [passphrase] =
      (await cli(vault, ["--passphrase-file", passFile, "slots"])).stdout
        .split("\n")[1].split(/\s+/);
    const last = await cli(vault, [
      "--passphrase-file",
      passFile,
      "slots",
      "remove",
      passphrase.replace("*", ""),
    ]);
    assertEquals(last.code, 1);
    assert(last.stderr.includes("never be opened again"), last.stderr);
  },
);

cliTest(
  "unlock options: never a secret in argv, one at a time, --passphrase only at a terminal",
  async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    await cli(vault, ["set", "api"], { stdin: "sk-1" });
    const cases: [string[], string][] = [
      [["--passphrase=hunter2", "get", "api"], ""],
      [["--passphrase", "get", "api"], "--passphrase-file"],
      [
        ["--key-file", "a", "--key-env", "B", "get", "api"],
        "exclude each other",
      ],
      [["keygen", "--key-env", "B"], "takes no --key-env"],
      [["slots", "add", "password"], "usage"],
    ];
    for (const [args, hint] of cases) {
      const result = await cli(vault, args, { stdin: "" });
      assertEquals(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
      assert(result.stderr.includes(hint), result.stderr);
      assertFalse(result.stderr.includes("hunter2"));
    }
  },
);

cliTest(
  "rotate lists the slots it removed and how to re-add them",
  async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    await cli(vault, ["init", "--recovery-key"]);
    await cli(vault, ["set", "api"], { stdin: "sk-1" });
    const rotated = await cli(vault, ["rotate", "--yes"]);
    assertEquals(rotated.code, 0, rotated.stderr);
    assert(
      rotated.stderr.includes(
        '"recovery": re-add it with "secrets slots add key"',
      ),
      rotated.stderr,
    );
    assertEquals((await cli(vault, ["get", "api"])).stdout, "sk-1");
  },
);

Deno.test({
  name:
    "at a terminal: init --passphrase asks twice without echo, and --passphrase unlocks",
  ignore: !canRun("deno") || !canRun("python3"),
  fn: async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    const typed = "tYped-pass";
    const init = await atTerminal(
      [
        { expect: "New passphrase:" },
        { send: `${typed}\r` },
        { expect: "again:" },
        { send: `${typed}\r` },
      ],
      ["deno", ...cliArgs(vault, ["init", "--passphrase"])],
    );
    assertEquals(init.code, 0, init.output);
    assertFalse(init.output.includes(typed), init.output);
    await cli(vault, ["set", "api"], { stdin: "sk-1" });
    await Deno.remove(join(vault, ".keyfile"));
    const read = await atTerminal(
      [{ expect: "Vault passphrase:" }, { send: `${typed}\r` }],
      ["deno", ...cliArgs(vault, ["--passphrase", "get", "api"])],
    );
    assertEquals(read.code, 0, read.output);
    assert(
      read.output.endsWith("sk-1") || read.output.includes("sk-1"),
      read.output,
    );
    assertFalse(read.output.includes(typed), read.output);
  },
});

// `secrets slots` printed a stored label's bidi override
// raw, so the terminal showed another label.
cliTest(
  "secrets slots escapes a control or format character an older label holds",
  async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    await cli(vault, ["set", "a"], { stdin: "1" });
    // 0.2 stored such a label: write one through the engine's own slot path.
    const opened = await openVault({ path: vault });
    const draft = draftSlot("key", "a\u202eb", []);
    const kek = await deriveSlotKek(draft, randomBytes(20));
    writeSlots(
      opened,
      (session) => session.add(wrapSlot(draft, kek, opened.unlocked.dek)),
    );
    closeVault(opened);
    const listed = await cli(vault, ["slots"]);
    assertEquals(listed.code, 0, listed.stderr);
    assert(listed.stdout.includes("a\\u202eb"), listed.stdout);
    assertFalse(listed.stdout.includes("\u202e"), listed.stdout);
  },
);

// `rotate` dropped the recovery key and the passphrase
// without a word, and the CLI had no way to keep them.
cliTest(
  "rotate off a terminal removes no slot without --yes, and keeps those --keep-key and --keep-passphrase open",
  async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    const key = (await cli(vault, ["init", "--recovery-key"])).stdout.trim();
    await cli(vault, ["slots", "add", "passphrase"], { stdin: "pass one\n" });
    await cli(vault, ["set", "api"], { stdin: "sk-1" });
    const before = (await cli(vault, ["slots"])).stdout;
    const refused = await cli(vault, ["rotate"]);
    assertEquals(refused.code, 2, refused.stderr);
    assert(/"recovery"/.test(refused.stderr), refused.stderr);
    assert(/--yes/.test(refused.stderr), refused.stderr);
    assertEquals((await cli(vault, ["slots"])).stdout, before);
    const keyFile = join(dir.path, "recovery.txt");
    await Deno.writeTextFile(keyFile, `${key}\n`);
    const kept = await cli(
      vault,
      ["rotate", "--keep-key", keyFile, "--keep-passphrase"],
      { stdin: "pass one\n", flags: [`--allow-read=${vault},${keyFile}`] },
    );
    assertEquals(kept.code, 0, kept.stderr);
    assert(/0 slot\(s\) removed/.test(kept.stderr), kept.stderr);
    await Deno.remove(join(vault, ".keyfile"));
    const opened = await cli(
      vault,
      ["--key-file", keyFile, "get", "api"],
      { flags: [`--allow-read=${vault},${keyFile}`] },
    );
    assertEquals([opened.code, opened.stdout], [0, "sk-1"], opened.stderr);
    const wrong = await cli(
      vault,
      ["--key-file", keyFile, "rotate", "--keep-passphrase"],
      { stdin: "not it\n", flags: [`--allow-read=${vault},${keyFile}`] },
    );
    assertEquals(wrong.code, 1, wrong.stderr);
  },
);

Deno.test({
  name: "at a terminal, rotate lists the slots it would remove and asks first",
  ignore: !canRun("deno") || !canRun("python3"),
  fn: async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    await cli(vault, ["init", "--recovery-key"]);
    const declined = await atTerminal(
      [{ expect: 'Type "yes"' }, { send: "no\r" }],
      ["deno", ...cliArgs(vault, ["rotate"])],
    );
    assertEquals(declined.code, 1, declined.output);
    assert(/"recovery"/.test(declined.output), declined.output);
    assert(/not rotated/.test(declined.output), declined.output);
    const slots = await cli(vault, ["slots"]);
    assert(slots.stdout.includes("recovery"), slots.stdout);
  },
});

// `init --factors` without --allow-sys spoke of "this
// vault is bound", named one flag per attempt and left a store.db behind.
cliTest(
  "init --factors without --allow-sys names every kind at once and creates nothing",
  async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    const result = await cli(vault, ["init", "--factors", "hostname,user"]);
    assertEquals(result.code, 1, result.stderr);
    assert(
      result.stderr.includes("--allow-sys=hostname,userInfo,uid,gid"),
      result.stderr,
    );
    assert(/binding a new vault/.test(result.stderr), result.stderr);
    assertFalse(await Deno.stat(vault).then(() => true, () => false));
  },
);

// Ctrl-D at "New passphrase again:" said the two
// entries differ.
Deno.test({
  name:
    "Ctrl-D at the confirmation says nothing was typed, and changes nothing",
  ignore: !canRun("deno") || !canRun("python3"),
  fn: async () => {
    await using dir = await tempDir();
    const vault = join(dir.path, "vault");
    const result = await atTerminal(
      [
        { expect: "New passphrase:" },
        { send: "correct horse\r" },
        { expect: "again:" },
        { send: "\x04" },
      ],
      ["deno", ...cliArgs(vault, ["init", "--passphrase"])],
    );
    assertEquals(result.code, 1, result.output);
    assert(
      /nothing was typed the second time/.test(result.output),
      result.output,
    );
    assertFalse(/differ/.test(result.output), result.output);
  },
});
