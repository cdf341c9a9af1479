/**
 * The install line the README gives for a clone, run exactly as written in
 * the clone, with the same permission flags as the JSR line (which needs
 * the registry, out of reach here), and the installed `secrets` used at
 * the default location, with XDG_CONFIG_HOME, --xdg, --path, import, run and
 * run --pristine.
 *
 * @module
 */

import { join } from "node:path";
import { assert, assertEquals } from "../_assert.ts";
import { canRun, runCommand, tempDir } from "../_helpers.ts";

const README = new URL("../../README.md", import.meta.url);
const REPOSITORY = new URL("../..", import.meta.url).pathname;
const JSR_ENTRY = "jsr:@scope/secrets/cli";
const CLONE_ENTRY = "./src/cli/main.ts";

/** The README's install command ending in `entry`, as words. */
function readmeInstallLine(entry: string): string[] {
  const text = Deno.readTextFileSync(README).replaceAll("\\\n", " ");
  const line = text.split("\n").find((l) =>
    l.startsWith("deno install -g -n secrets") && l.trimEnd().endsWith(entry)
  );
  assert(
    line,
    `README has no \`deno install -g -n secrets ... ${entry}\` line`,
  );
  return line.split(/\s+/).filter(Boolean);
}

const permissionFlags = (words: string[]) =>
  words.filter((word) => word.startsWith("--allow") || word === "--no-prompt");

Deno.test({
  name:
    "the README's install line works for the default location, XDG, --path, import, run and backups",
  ignore: !canRun("deno") || !canRun("sh") || Deno.build.os === "windows",
  fn: async () => {
    await using dir = await tempDir();
    const root = join(dir.path, "root");
    const fromJsr = readmeInstallLine(JSR_ENTRY);
    const fromClone = readmeInstallLine(CLONE_ENTRY);
    assertEquals(permissionFlags(fromClone), permissionFlags(fromJsr));
    const [, ...installArgs] = fromClone;
    const install = await new Deno.Command("deno", {
      args: [
        ...installArgs.slice(0, 2),
        "--root",
        root,
        ...installArgs.slice(2),
      ],
      cwd: REPOSITORY,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert(install.success, new TextDecoder().decode(install.stderr));
    const home = join(dir.path, "home");
    await Deno.mkdir(home);
    const secrets = (
      args: string[],
      env: Record<string, string> = {},
      stdin = "",
    ) =>
      runCommand("sh", [join(root, "bin", "secrets"), ...args], {
        env: { HOME: home, ...env },
        stdin,
      });
    const xdg = { XDG_CONFIG_HOME: join(home, ".config") };
    assertEquals((await secrets(["set", "home.key"], {}, "h")).code, 0);
    assertEquals((await secrets(["get", "home.key"])).stdout, "h");
    assertEquals((await secrets(["set", "xdg.key"], xdg, "x")).code, 0);
    assertEquals((await secrets(["get", "xdg.key"], xdg)).stdout, "x");
    assertEquals((await secrets(["--xdg", "get", "xdg.key"])).stdout, "x");
    const elsewhere = join(dir.path, "project", ".secrets");
    const set = await secrets(["--path", elsewhere, "set", "p.key"], {}, "p");
    assertEquals(set.code, 0, set.stderr);
    const envFile = join(dir.path, "project", ".env");
    await Deno.writeTextFile(envFile, "FROM_FILE=yes\n");
    const imported = await secrets(["--path", elsewhere, "import", envFile]);
    assertEquals(imported.code, 0, imported.stderr);
    const ran = await secrets([
      "--path",
      elsewhere,
      "run",
      "--",
      "sh",
      "-c",
      'printf "%s %s" "$P_KEY" "$FROM_FILE"',
    ]);
    assertEquals([ran.code, ran.stdout], [0, "p yes"], ran.stderr);
    const template = join(dir.path, "project", ".env.tpl");
    await Deno.writeTextFile(template, "KEY=secrets://p.key\n");
    const pristine = await secrets([
      "--path",
      elsewhere,
      "run",
      "--pristine",
      "--env-file",
      template,
      "--",
      "sh",
      "-c",
      'printf "%s %s" "$KEY" "${HOME:-no-home}"',
    ]);
    assertEquals(pristine.stdout, "p no-home", pristine.stderr);
    const key = join(dir.path, "key.txt");
    const keygen = await secrets(["keygen", "-o", key]);
    assertEquals(keygen.code, 0, keygen.stderr);
    const backup = join(dir.path, "backup.age");
    const made = await secrets([
      "--path",
      elsewhere,
      "backup",
      backup,
      "--recipient",
      keygen.stdout.trim(),
    ]);
    assertEquals(made.code, 0, made.stderr);
    // Each of these asked for a flag an installed
    // command cannot be given.
    const fromBackup = await secrets(
      [
        "run",
        "--from",
        backup,
        "--identity-env",
        "CI_AGE_KEY",
        "--",
        "sh",
        "-c",
        'printf "%s" "$P_KEY"',
      ],
      { CI_AGE_KEY: await Deno.readTextFile(key) },
    );
    assertEquals(
      [fromBackup.code, fromBackup.stdout],
      [0, "p"],
      fromBackup.stderr,
    );
    const bound = join(dir.path, "bound");
    const init = await secrets([
      "--path",
      bound,
      "init",
      "--recovery-key",
      "--factors",
      "hostname,user",
    ]);
    assertEquals(init.code, 0, init.stderr);
    await secrets(["--path", bound, "set", "b.key"], {}, "bound");
    const byKey = await secrets(
      ["--path", bound, "--key-env", "VAULT_KEY", "get", "b.key"],
      { VAULT_KEY: init.stdout.trim() },
    );
    assertEquals([byKey.code, byKey.stdout], [0, "bound"], byKey.stderr);
  },
});
