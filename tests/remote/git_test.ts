/**
 * A vault in a folder of a git repository, with the real git: two people's
 * changes to different secrets merge with no conflict; one secret changed
 * on both branches goes through the merge driver and yields one reported
 * conflict; a push writes one file per changed secret and nothing when
 * nothing changed; no commit holds a name or value in clear.
 *
 * @module
 */

import { join } from "node:path";
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
} from "../_assert.ts";
import { RemoteError } from "../../mod.ts";
import { tempDir } from "../_helpers.ts";
import { cli } from "../cli/_cli.ts";
import { FOLDER, makeGitTeam } from "./_git_team.ts";

Deno.test("changes to different secrets on two branches merge in git with no conflict", async () => {
  await using team = await makeGitTeam();
  const { alice, bob } = team;
  await alice.copy.set("from.alice", "a");
  await alice.commit("alice's secret");
  await alice.git(["push", "-q", "origin", "HEAD:main"]);
  await bob.copy.set("from.bob", "b");
  await bob.commit("bob's secret");
  await bob.git(["pull", "-q", "--no-rebase", "origin", "main"]);
  const report = await bob.copy.sync();
  assertEquals(report.conflicts, []);
  assertEquals(await bob.copy.get("from.alice"), "a");
  await bob.git(["push", "-q", "origin", "HEAD:main"]);
  await alice.git(["pull", "-q", "--no-rebase", "origin", "main"]);
  await alice.copy.sync();
  assertEquals(await alice.copy.get("from.bob"), "b");
});

Deno.test("one secret changed on two branches goes through the driver: one conflict, reported on both copies until resolved", async () => {
  await using team = await makeGitTeam();
  const { alice, bob } = team;
  await alice.copy.set("db.password", "alice's");
  await alice.commit("alice rotates");
  await alice.git(["push", "-q", "origin", "HEAD:main"]);
  await bob.copy.set("db.password", "bob's");
  await bob.commit("bob rotates");
  const merged = await bob.git(["pull", "--no-rebase", "origin", "main"]);
  assertMatch(merged.stderr + merged.stdout, /both branches changed it/);
  const report = await bob.copy.sync();
  assertEquals(report.conflicts, ["db.password"]);
  assertEquals(await bob.copy.get("db.password"), "bob's");
  await bob.git(["push", "-q", "origin", "HEAD:main"]);
  await alice.git(["pull", "-q", "--no-rebase", "origin", "main"]);
  assertEquals((await alice.copy.sync()).conflicts, ["db.password"]);
  await alice.copy.resolve("db.password", "local");
  await alice.commit("alice resolves");
  assertEquals(await alice.copy.get("db.password"), "alice's");
  assertEquals((await alice.copy.sync()).conflicts, []);
});

Deno.test("a push of one changed secret changes one file, and a push with nothing new changes nothing", async () => {
  const secrets = Object.fromEntries(
    Array.from({ length: 1000 }, (_, i) => [`name.${i}`, `value-${i}`]),
  );
  await using team = await makeGitTeam(secrets);
  const { alice } = team;
  const status = async () =>
    (await alice.git(["status", "--porcelain", FOLDER])).stdout;
  await alice.copy.sync();
  assertEquals(await status(), "");
  await alice.copy.set("name.500", "changed");
  await alice.copy.sync();
  const changed = (await status()).trimEnd().split("\n");
  assertEquals(changed.length, 1, changed.join("\n"));
  assertMatch(changed[0], /^ M \.secrets\/secrets\/[A-Za-z0-9_-]{43}\.json$/);
});

Deno.test("no commit holds a name or value in clear, raw or base64", async () => {
  const secrets = {
    "stripe.live.key": "sk_live_5f3c9a1e7d2b",
    "db.password": "correct horse",
  };
  await using team = await makeGitTeam(secrets);
  await team.alice.copy.set("later.added", "value after");
  await team.alice.commit("more");
  const log = (await team.alice.git(["log", "-p", "--all"])).stdout;
  for (
    const clear of [
      ...Object.entries(secrets).flat(),
      "later.added",
      "value after",
    ]
  ) {
    for (const form of [clear, btoa(clear)]) {
      assert(!log.includes(form), `git log holds ${clear} as ${form}`);
    }
  }
});

Deno.test("a revert is reported as behind, and without the driver git's conflict markers are refused with the line that installs it", async () => {
  await using team = await makeGitTeam();
  const { alice, bob } = team;
  await alice.copy.set("db.password", "second");
  await alice.commit("second");
  await alice.git(["revert", "--no-edit", "HEAD"]);
  const behind = await assertRejects(() => alice.copy.sync(), RemoteError);
  assertEquals(behind.remedy, { kind: "remote-behind" });
  await alice.git(["revert", "--no-edit", "HEAD"]);
  await alice.copy.sync();
  await alice.git(["push", "-q", "origin", "HEAD:main"]);
  await bob.git(["config", "--unset", "merge.secrets.driver"]);
  await bob.copy.set("db.password", "bob's");
  await bob.commit("bob");
  await bob.git(
    ["pull", "-q", "--no-rebase", "origin", "main"],
    (code) => code === 1,
  );
  const error = await assertRejects(() => bob.copy.sync(), RemoteError);
  assertMatch(
    error.message,
    /conflict markers .*git config merge\.secrets\.driver/,
  );
  assert(join(bob.folder).length > 0);
});

Deno.test("a file edited, moved to another name, or brought back from a retired epoch is refused", async () => {
  await using team = await makeGitTeam({
    "db.password": "hunter2",
    other: "o",
  });
  const { alice } = team;
  const rows = join(alice.folder, "secrets");
  const [first, second] = [...Deno.readDirSync(rows)].map((e) => e.name).sort();
  const original = await Deno.readTextFile(join(rows, first));
  const edited = JSON.parse(original);
  edited.sealed = edited.sealed.replace(
    /^./,
    (c: string) => (c === "A" ? "B" : "A"),
  );
  await Deno.writeTextFile(join(rows, first), `${JSON.stringify(edited)}\n`);
  await assertRejects(() => alice.copy.sync(), RemoteError);
  await Deno.writeTextFile(
    join(rows, first),
    await Deno.readTextFile(join(rows, second)),
  );
  await assertRejects(() => alice.copy.sync(), RemoteError);
  await Deno.writeTextFile(join(rows, first), original);
  await alice.copy.sync();
  await alice.copy.rotate();
  await alice.copy.sync();
  await Deno.writeTextFile(join(rows, first), original);
  const retired = await assertRejects(() => alice.copy.sync(), RemoteError);
  assertMatch(retired.message, /retired|behind/);
});

Deno.test("merge-driver given files that are not there says how git runs it, and changes nothing", async () => {
  await using dir = await tempDir();
  const vault = join(dir.path, "vault");
  await cli(vault, ["set", "a"], { stdin: "1" });
  const missing = join(dir.path, "missing");
  const ran = await cli(vault, [
    "merge-driver",
    missing,
    missing,
    missing,
    ".secrets/secrets/x.json",
  ]);
  assertEquals(ran.code, 1);
  assertMatch(
    ran.stderr,
    /does not exist: git runs the driver as secrets merge-driver %O %A %B %P/,
  );
});
