/**
 * Branches of a git folder remote, with the real git: a rebase and a
 * cherry-pick of commits that changed one secret go through the driver; a
 * member removed on one branch reaches the other; two branches across a
 * rotation are refused with the way to take the newer epoch, which then
 * loses nothing.
 *
 * @module
 */

import { assert, assertEquals, assertMatch } from "../_assert.ts";
import { ageKey } from "../_keys.ts";
import { type GitTeam, makeGitTeam } from "./_git_team.ts";

/**
 * Alice pushes a change to `db.password`; Bob commits another to it and
 * fetches hers: the two commits each changed the same secret.
 */
async function bothChanged(team: GitTeam): Promise<GitTeam> {
  const { alice, bob } = team;
  await alice.copy.set("db.password", "alice's");
  await alice.commit("alice");
  await alice.git(["push", "-q", "origin", "HEAD:main"]);
  await bob.copy.set("db.password", "bob's");
  await bob.commit("bob");
  await bob.git(["fetch", "-q", "origin"]);
  return team;
}

Deno.test("a rebase of a commit that changed the same secret goes through the driver into one reported conflict", async () => {
  await using team = await makeGitTeam();
  const { bob } = await bothChanged(team);
  const rebased = await bob.git(["rebase", "origin/main"]);
  assertMatch(rebased.stderr + rebased.stdout, /both branches changed it/);
  assertEquals((await bob.copy.sync()).conflicts, ["db.password"]);
});

Deno.test("a cherry-pick of a commit that changed the same secret goes through the driver into one reported conflict", async () => {
  await using team = await makeGitTeam();
  const { bob } = await bothChanged(team);
  const picked = await bob.git(["cherry-pick", "origin/main"]);
  assertMatch(picked.stderr + picked.stdout, /both branches changed it/);
  const report = await bob.copy.sync();
  assertEquals(report.conflicts, ["db.password"]);
  assertEquals(await bob.copy.get("db.password"), "bob's");
});

Deno.test("a member removed on one branch reaches the other when it merges", async () => {
  await using team = await makeGitTeam();
  const { alice, bob } = team;
  const carol = await ageKey(team.dir, "carol.key");
  await alice.copy.addMember(carol.recipient, { label: "carol" });
  await alice.commit("carol");
  await alice.git(["push", "-q", "origin", "HEAD:main"]);
  await bob.git(["pull", "-q", "--no-rebase", "origin", "main"]);
  await bob.copy.sync();
  assert((await bob.copy.members()).some((m) => m.label === "carol"));
  await alice.copy.removeMember("carol");
  await alice.commit("carol leaves");
  await alice.git(["push", "-q", "origin", "HEAD:main"]);
  await bob.git(["pull", "-q", "--no-rebase", "origin", "main"]);
  const report = await bob.copy.sync();
  assertEquals(report.epoch, 2);
  assert(!(await bob.copy.members()).some((m) => m.label === "carol"));
  assertEquals(await bob.copy.get("db.password"), "hunter2");
});

Deno.test("two branches across a rotation are refused with the way to take the newer epoch, and then nothing is lost", async () => {
  await using team = await makeGitTeam();
  const { alice, bob } = team;
  await alice.copy.rotate();
  await alice.commit("rotate");
  await alice.git(["push", "-q", "origin", "HEAD:main"]);
  await bob.copy.set("db.password", "bob's");
  await bob.commit("bob");
  const refused = await bob.git(
    ["pull", "--no-rebase", "origin", "main"],
    (code) => code !== 0,
  );
  assertMatch(refused.stderr + refused.stdout, /different key epochs/);
  // The advice: take the newer epoch's folder, then sync.
  await bob.git(["merge", "--abort"]);
  await bob.git(["reset", "-q", "--hard", "origin/main"]);
  const report = await bob.copy.sync();
  assertEquals(report.epoch, 2);
  await bob.commit("bob, under the new epoch");
  await bob.git(["push", "-q", "origin", "HEAD:main"]);
  await alice.git(["pull", "-q", "--no-rebase", "origin", "main"]);
  await alice.copy.sync();
  assertEquals(await alice.copy.get("db.password"), "bob's");
});
