/**
 * Backups and `run --from` with SSH keys, against the real `age` and keys
 * from the real `ssh-keygen`: a backup to `ssh-ed25519` and `ssh-rsa`
 * recipients opens with `age -d -i KEY`, and a file `age -R key.pub` wrote
 * restores, and runs a program, with `--identity KEY`.
 *
 * @module
 */

import { join } from "node:path";
import { assertEquals, assertMatch } from "../../_assert.ts";
import { runCommand, tempDir } from "../../_helpers.ts";
import { sshKey } from "../../_keys.ts";
import { SecretsEngine } from "../../../mod.ts";
import { atTerminal, cli, cliArgs, cliTest } from "../_cli.ts";

const DOCUMENT = "DB_URL=postgres://a\nAPI_TOKEN=t-1\n";

/** The export document of a vault holding `secrets`. */
async function exportOf(secrets: Record<string, string>): Promise<unknown> {
  await using dir = await tempDir();
  await using engine = await SecretsEngine.open({ path: dir.path });
  await engine.setMany(secrets);
  return await engine.exportEntries();
}

cliTest(
  "a backup to SSH recipients opens with age -d -i, and age -R files restore and run with --identity KEY",
  async () => {
    await using dir = await tempDir();
    const flags = [`--allow-read=${dir.path}`, `--allow-write=${dir.path}`];
    const vault = join(dir.path, "vault");
    const run = (args: string[], stdin?: string, path = vault) =>
      cli(path, args, { flags: [...flags, "--allow-run=sh"], stdin });
    assertEquals((await run(["import", "-"], DOCUMENT)).code, 0);
    const keys = [
      await sshKey(dir.path, "ed"),
      await sshKey(dir.path, "rsa", "rsa"),
    ];
    const recipients = join(dir.path, "recipients");
    await Deno.writeTextFile(
      recipients,
      `# the team\n${keys.map((key) => key.recipient).join("\n")}\n`,
    );
    const backup = join(dir.path, "team.age");
    const made = await run(["backup", backup, "--recipients-file", recipients]);
    assertEquals(made.code, 0, made.stderr);
    for (const key of keys) {
      const read = await runCommand("age", ["-d", "-i", key.path, backup]);
      assertEquals(read.code, 0, read.stderr);
      assertMatch(read.stdout, /"value": "postgres:\/\/a"/);
    }
    for (const key of keys) {
      const theirs = join(dir.path, `${key.path.split("/").pop()}.age`);
      const plain = await runCommand("age", ["-d", "-i", key.path, backup]);
      const wrote = await runCommand("age", [
        "-R",
        `${key.path}.pub`,
        "-o",
        theirs,
      ], {
        stdin: plain.stdout,
      });
      assertEquals(wrote.code, 0, wrote.stderr);
      const target = join(dir.path, `restored-${key.path.split("/").pop()}`);
      const restored = await run(
        ["restore", theirs, "--identity", key.path],
        undefined,
        target,
      );
      assertEquals(restored.code, 0, restored.stderr);
      assertEquals(
        (await run(["get", "API_TOKEN"], undefined, target)).stdout,
        "t-1",
      );
      const ran = await run(
        [
          "run",
          "--from",
          theirs,
          "--identity",
          key.path,
          "--",
          "sh",
          "-c",
          'printf "%s" "$DB_URL"',
        ],
        undefined,
        join(dir.path, "no-vault-here"),
      );
      assertEquals([ran.code, ran.stdout], [0, "postgres://a"], ran.stderr);
    }
  },
);

cliTest(
  "restore with an encrypted SSH key asks its passphrase at a terminal, and off one says how to go on",
  async () => {
    await using dir = await tempDir();
    const flags = [`--allow-read=${dir.path}`, `--allow-write=${dir.path}`];
    const key = await sshKey(dir.path, "locked", "ed25519", {
      passphrase: "key passphrase",
    });
    const file = join(dir.path, "from-age.age");
    const made = await runCommand(
      "age",
      ["-R", `${key.path}.pub`, "-o", file],
      {
        stdin: JSON.stringify(await exportOf({ "api.token": "t-9" })),
      },
    );
    assertEquals(made.code, 0, made.stderr);
    const target = join(dir.path, "restored");
    const refused = await cli(
      target,
      ["restore", file, "--identity", key.path],
      {
        flags,
      },
    );
    assertEquals(refused.code, 2);
    assertMatch(
      refused.stderr,
      /is encrypted: its passphrase is asked at a terminal/,
    );
    const asked = await atTerminal(
      [{ expect: "SSH key passphrase:" }, { send: "key passphrase\r" }],
      [
        "deno",
        ...cliArgs(target, ["restore", file, "--identity", key.path], flags),
      ],
    );
    assertEquals(asked.code, 0, asked.output);
    assertEquals(
      (await cli(target, ["get", "api.token"], { flags })).stdout,
      "t-9",
    );
  },
);
