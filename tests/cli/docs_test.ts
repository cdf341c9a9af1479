/**
 * Every `sh` block of the README and of docs/, run line by line as written,
 * with `secrets` on PATH as the README's install line makes it, in a fresh
 * home per page: the commands users copy must work. The lines that cannot
 * run here are checked another way, each saying why: the registry lines
 * (JSR is out of reach; `install_test.ts` runs the clone's line with the
 * same flags), the Deno install line (`deno_install_test.ts`), and the
 * `deno task` lines (the task must exist; the suite cannot run itself).
 *
 * @module
 */

import { join } from "node:path";
import { assert, assertEquals } from "../_assert.ts";
import { canRun, runCommand, tempDir } from "../_helpers.ts";
import { installSecrets, pathWith } from "./_cli.ts";
import { dropDatabase, pgTests } from "../_postgres.ts";
import config from "../../deno.json" with { type: "json" };

const REPOSITORY = new URL("../..", import.meta.url).pathname;
const PAGES = [
  "README.md",
  ...[...Deno.readDirSync(join(REPOSITORY, "docs"))]
    .filter((entry) => entry.name.endsWith(".md"))
    .map((entry) => `docs/${entry.name}`)
    .sort(),
];

/** What a passphrase prompt reads off a terminal: stdin's first line. */
const PASSPHRASE = "docs passphrase\n";

/** The commands of a page's `sh` blocks: continued lines joined, comments dropped. */
export function pageCommands(text: string): string[] {
  const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)]
    .map((match) => match[1]);
  return blocks.flatMap((block) =>
    block.replaceAll("\\\n", " ").split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("#"))
  );
}

/** Why a command is not run here, or `null` when it is. */
function notRunHere(command: string): string | null {
  if (command.includes("jsr:")) return "the JSR registry is out of reach";
  if (command.startsWith("npm install")) return "deno_install_test.ts";
  if (command.startsWith("deno task ")) {
    const task = command.split(/\s+/)[2];
    assert(
      Object.hasOwn(config.tasks, task),
      `deno.json has no task ${task}`,
    );
    return "a task of deno.json";
  }
  return null;
}

const ready = canRun("deno") && canRun("sh");

/** The databases a page's `createdb` lines make, on the local server. */
export function pageDatabases(commands: readonly string[]): string[] {
  return commands.flatMap((command) =>
    command.startsWith("createdb ") ? [command.split(/\s+/).at(-1) ?? ""] : []
  );
}

for (const page of PAGES) {
  const commands = pageCommands(
    Deno.readTextFileSync(join(REPOSITORY, page)),
  );
  if (commands.length === 0) continue;
  // A page that makes a database needs the server, and gets a fresh one:
  // dropped before it runs and after.
  const databases = pageDatabases(commands);
  Deno.test({
    name: `every command in ${page} runs as written`,
    ignore: !ready || (databases.length > 0 && !pgTests),
    fn: async () => {
      for (const name of databases) await dropDatabase(name);
      await using _dropped = {
        [Symbol.asyncDispose]: async () => {
          for (const name of databases) await dropDatabase(name);
        },
      };
      await using dir = await tempDir();
      const bin = join(dir.path, "bin");
      await installSecrets(bin);
      const home = join(dir.path, "home");
      await Deno.mkdir(home);
      const path = `${join(home, ".deno", "bin")}:${pathWith(bin)}:${
        Deno.execPath().replace(/\/[^/]+$/, "")
      }`;
      for (const command of commands) {
        if (notRunHere(command) !== null) continue;
        // An install line says to run it in the clone.
        const cwd = command.includes("./src/cli/main.ts") ? REPOSITORY : home;
        const ran = await runCommand("sh", ["-e", "-c", command], {
          env: { HOME: home, PATH: path },
          stdin: PASSPHRASE,
          cwd,
        });
        assertEquals(ran.code, 0, `${page}: ${command}\n${ran.stderr}`);
      }
    },
  });
}

Deno.test("a page's databases are those its createdb lines name", () => {
  assertEquals(
    pageDatabases([
      "createdb -h 127.0.0.1 -U ops team_secrets",
      "secrets list",
    ]),
    ["team_secrets"],
  );
});

Deno.test("a page's commands are its sh blocks' lines, continued lines joined", () => {
  const page =
    "text\n```sh\n# a comment\nsecrets list\ndeno install \\\n  -g x\n```\n";
  assertEquals(pageCommands(page), ["secrets list", "deno install    -g x"]);
});
