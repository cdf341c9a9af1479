/**
 * `secrets members` and `--identity`, as a user meets them: in-process
 * for the commands, through a real `deno run` where an environment
 * variable or a terminal matters, with keys from the real `ssh-keygen`.
 *
 * @module
 */

import { join } from "node:path";
import {
  assert,
  assertEquals,
  assertFalse,
  assertMatch,
} from "../../_assert.ts";
import { copyVault, runCommand, runDeno, tempDir } from "../../_helpers.ts";
import { ageKey, sshKey } from "../../_keys.ts";
import { atTerminal, cli, cliArgs, cliTest } from "../_cli.ts";

async function vaultWithSecrets(dir: string): Promise<string> {
  const vault = join(dir, "vault");
  const set = await cli(vault, ["import", "-"], {
    stdin: "DB_URL=postgres://a\nAPI_TOKEN=t-1\n",
  });
  assertEquals(set.code, 0, set.stderr);
  return vault;
}

/** The vault's files copied to `dir/elsewhere`, without the keyfile. */
async function copyElsewhere(vault: string, dir: string): Promise<string> {
  const copy = join(dir, "elsewhere");
  await Deno.mkdir(dir, { recursive: true });
  await copyVault(vault, copy);
  await Deno.remove(join(copy, ".keyfile"));
  return copy;
}

cliTest(
  "members add shows the fingerprint, wants --yes off a terminal, and adds nothing without it",
  async () => {
    await using dir = await tempDir();
    const vault = await vaultWithSecrets(dir.path);
    const alice = await sshKey(dir.path, "alice");
    const unconfirmed = await cli(vault, [
      "members",
      "add",
      alice.recipient,
      "--label",
      "alice",
    ]);
    assertEquals(unconfirmed.code, 2, unconfirmed.stderr);
    assertMatch(unconfirmed.stderr, /pass --yes/);
    const listed = await runCommand("ssh-keygen", [
      "-l",
      "-f",
      `${alice.path}.pub`,
    ]);
    const fingerprint = listed.stdout.split(" ")[1];
    assert(unconfirmed.stderr.includes(fingerprint), unconfirmed.stderr);
    assertMatch((await cli(vault, ["members"])).stdout, /no members/);
    const added = await cli(vault, [
      "members",
      "add",
      alice.recipient,
      "--label",
      "alice",
      "--yes",
    ]);
    assertEquals(added.code, 0, added.stderr);
    const list = await cli(vault, ["members"]);
    assertMatch(list.stdout, /alice\s+ssh-ed25519\s+SHA256:/);
    assert(list.stdout.includes(fingerprint), list.stdout);
    assertMatch(list.stdout, /not post-quantum: alice opens the vault/);
  },
);

cliTest(
  "members add takes a recipients file, one key a line, and a post-quantum team is said to be one",
  async () => {
    await using dir = await tempDir();
    const vault = await vaultWithSecrets(dir.path);
    const [a, b] = [
      await ageKey(dir.path, "a", true),
      await ageKey(dir.path, "b", true),
    ];
    const file = join(dir.path, "team.age-recipients");
    await Deno.writeTextFile(file, `# ops\n${a.recipient}\n\n${b.recipient}\n`);
    const added = await cli(vault, [
      "members",
      "add",
      file,
      "--label",
      "ops",
      "--yes",
    ]);
    assertEquals(added.code, 0, added.stderr);
    assertEquals(added.stderr.match(/added member "ops"/g)?.length, 2);
    const list = await cli(vault, ["members"]);
    assertFalse(list.stdout.includes("not post-quantum"), list.stdout);
    const bad = join(dir.path, "bad");
    await Deno.writeTextFile(bad, `${a.recipient}\nssh-dss AAAA\n`);
    const refused = await cli(vault, [
      "members",
      "add",
      bad,
      "--label",
      "x",
      "--yes",
    ]);
    assertEquals(refused.code, 1);
    assertMatch(
      refused.stderr,
      /recipient 2: SSH keys of type "ssh-dss" are not supported/,
    );
    const neither = await cli(vault, [
      "members",
      "add",
      "nonsense",
      "--label",
      "x",
      "--yes",
    ]);
    assertEquals(neither.code, 1);
    assertMatch(
      neither.stderr,
      /nonsense is not a recipient .*, and as a file of them: no such file/,
    );
    assertFalse((await cli(vault, ["members"])).stdout.includes(" x "));
  },
);

cliTest(
  "a member opens a copy with --identity FILE or -, and status names the removed member until each secret changes",
  async () => {
    await using dir = await tempDir();
    const vault = await vaultWithSecrets(dir.path);
    const bob = await sshKey(dir.path, "bob", "rsa");
    await cli(vault, [
      "members",
      "add",
      bob.recipient,
      "--label",
      "bob",
      "--yes",
    ]);
    const copy = await copyElsewhere(vault, dir.path);
    const locked = await cli(copy, ["get", "DB_URL"]);
    assertEquals(locked.code, 1);
    assertMatch(locked.stderr, /--identity/);
    const read = await cli(copy, ["--identity", bob.path, "get", "DB_URL"]);
    assertEquals([read.code, read.stdout], [0, "postgres://a"], read.stderr);
    const piped = await cli(copy, ["--identity", "-", "get", "API_TOKEN"], {
      stdin: bob.identity,
    });
    assertEquals(piped.stdout, "t-1", piped.stderr);

    const removed = await cli(vault, ["members", "remove", "bob"]);
    assertEquals(removed.code, 0, removed.stderr);
    assertMatch(
      removed.stderr,
      /2 secrets it could read are exposed until changed: secrets status lists them/,
    );
    const status = await cli(vault, ["status"]);
    assertEquals(status.code, 1);
    assertMatch(status.stdout, /API_TOKEN\s+exposed: member bob removed/);
    assertMatch(status.stdout, /DB_URL\s+exposed: member bob removed/);
    await cli(vault, ["set", "API_TOKEN"], { stdin: "t-2" });
    await cli(vault, ["set", "DB_URL"], { stdin: "postgres://b" });
    assertEquals((await cli(vault, ["status"])).code, 0);
    const later = await copyElsewhere(vault, join(dir.path, "later"));
    const refused = await cli(later, ["--identity", bob.path, "get", "DB_URL"]);
    assertEquals(refused.code, 1);
    assertMatch(refused.stderr, /this vault has no member slot/);
  },
);

cliTest(
  "SECRETS_IDENTITY_FILE opens a copy no local slot opens, and whoami prints its fingerprint",
  async () => {
    await using dir = await tempDir();
    await Deno.mkdir(join(dir.path, "again"));
    const vault = await vaultWithSecrets(dir.path);
    const carol = await sshKey(dir.path, "carol");
    await cli(vault, [
      "members",
      "add",
      carol.recipient,
      "--label",
      "carol",
      "--yes",
    ]);
    const copy = await copyElsewhere(vault, join(dir.path, "again"));
    const env = { SECRETS_IDENTITY_FILE: carol.path };
    const flags = [
      "--allow-env=SECRETS_IDENTITY_FILE",
      `--allow-read=${carol.path}`,
    ];
    const read = await runDeno(cliArgs(copy, ["get", "API_TOKEN"], flags), {
      env,
    });
    assertEquals([read.code, read.stdout], [0, "t-1"], read.stderr);
    const whoami = await runDeno(cliArgs(copy, ["members", "whoami"], flags), {
      env,
    });
    const listed = await runCommand("ssh-keygen", [
      "-l",
      "-f",
      `${carol.path}.pub`,
    ]);
    assert(
      whoami.stdout.startsWith(listed.stdout.split(" ")[1]),
      whoami.stdout,
    );
  },
);

cliTest(
  "an encrypted SSH key asks for its passphrase at a terminal, and off one is refused with what to do",
  async () => {
    await using dir = await tempDir();
    const vault = await vaultWithSecrets(dir.path);
    const dave = await sshKey(dir.path, "dave", "ed25519", {
      passphrase: "dave's passphrase",
    });
    await cli(vault, [
      "members",
      "add",
      dave.recipient,
      "--label",
      "dave",
      "--yes",
    ]);
    const copy = await copyElsewhere(vault, join(dir.path, "copy"));
    const refused = await cli(copy, ["--identity", dave.path, "get", "DB_URL"]);
    assertEquals(refused.code, 2);
    assertMatch(
      refused.stderr,
      /is encrypted: its passphrase is asked at a terminal/,
    );
    const body = dave.identity.split("\n").slice(1, -2).join("");
    assertFalse(refused.stderr.includes(body.slice(0, 24)), refused.stderr);
    // `get` with dave's key, typing `typed` when its passphrase is asked.
    const getTyping = (typed: string) =>
      atTerminal(
        [{ expect: "Passphrase for" }, { send: `${typed}\r` }],
        [
          "deno",
          ...cliArgs(copy, ["--identity", dave.path, "get", "DB_URL"], [
            `--allow-read=${dave.path}`,
          ]),
        ],
      );
    const asked = await getTyping("dave's passphrase");
    assertEquals(asked.code, 0, asked.output);
    assertMatch(asked.output, /postgres:\/\/a/);
    assertFalse(asked.output.includes("dave's passphrase"), asked.output);
    const wrong = await getTyping("not it");
    assertEquals(wrong.code, 1, wrong.output);
    assertMatch(wrong.output, /the passphrase does not open this SSH key/);
  },
);

cliTest(
  "members add at a terminal shows each fingerprint and adds when yes is typed",
  async () => {
    await using dir = await tempDir();
    const vault = await vaultWithSecrets(dir.path);
    const erin = await ageKey(dir.path, "erin");
    const { code, output } = await atTerminal(
      [{ expect: 'Type "yes"' }, { send: "yes\r" }],
      [
        "deno",
        ...cliArgs(vault, [
          "members",
          "add",
          erin.recipient,
          "--label",
          "erin",
        ]),
      ],
    );
    assertEquals(code, 0, output);
    assertMatch(output, /x25519 SHA256:/);
    assertMatch((await cli(vault, ["members"])).stdout, /erin\s+x25519/);
  },
);
