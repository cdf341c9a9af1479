/**
 * The install line the README gives, run exactly as written (with the local
 * entry point in place of the JSR one), and the installed `secrets` used at
 * the default location, with XDG_CONFIG_HOME, --xdg, --path, import, run and
 * run --pristine.
 *
 * @module
 */

import { join } from "node:path";
import { assert, assertEquals } from "../_assert.ts";
import { canRun, tempDir } from "../_helpers.ts";
import { CLI } from "./_cli.ts";

const README = new URL("../../README.md", import.meta.url);
const JSR_ENTRY = "jsr:@scope/secrets/cli";

/** The README's install command, joined from its continued lines. */
function readmeInstallLine(): string[] {
  const text = Deno.readTextFileSync(README).replaceAll("\\\n", " ");
  const line = text.split("\n").find((l) =>
    l.startsWith("deno install -g -n secrets") && l.includes(JSR_ENTRY)
  );
  assert(line, "README has no `deno install -g -n secrets ... cli` line");
  return line.split(/\s+/).filter(Boolean);
}

Deno.test({
  name:
    "the README's install line works for the default location, XDG, --path, import and run",
  ignore: !canRun("deno") || !canRun("sh") || Deno.build.os === "windows",
  fn: async () => {
    await using dir = await tempDir();
    const root = join(dir.path, "root");
    const [, ...installArgs] = readmeInstallLine().map((word) =>
      word === JSR_ENTRY ? CLI : word
    );
    const install = await new Deno.Command("deno", {
      args: [
        ...installArgs.slice(0, 2),
        "--root",
        root,
        ...installArgs.slice(2),
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert(install.success, new TextDecoder().decode(install.stderr));
    const home = join(dir.path, "home");
    await Deno.mkdir(home);
    const secrets = async (
      args: string[],
      env: Record<string, string> = {},
      stdin = "",
    ) => {
      const child = new Deno.Command("sh", {
        args: [join(root, "bin", "secrets"), ...args],
        env: { HOME: home, NO_COLOR: "1", ...env },
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(stdin));
      await writer.close();
      const out = await child.output();
      const decoder = new TextDecoder();
      return {
        code: out.code,
        stdout: decoder.decode(out.stdout),
        stderr: decoder.decode(out.stderr),
      };
    };
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
  },
});
