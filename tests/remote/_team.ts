/**
 * Two copies of one vault around a real PostgreSQL: Alice's, which pushed
 * first, and Bob's, cloned through his member key. Each copy is its own
 * directory, as on two machines.
 *
 * @module
 */

import { join } from "node:path";
import { SecretsEngine } from "../../mod.ts";
import { openEngine, tempDir } from "../_helpers.ts";
import { ageKey, type TestKey } from "../_keys.ts";
import { PG, type TestDatabase } from "../_postgres.ts";

/** Two copies of one vault, disposed together. */
export interface Team extends AsyncDisposable {
  /** Alice's copy: made the vault, set the remote, pushed. */
  alice: SecretsEngine;
  /** Bob's copy: cloned through his member key. */
  bob: SecretsEngine;
  /** Bob's member key. */
  bobKey: TestKey;
  /** The folder holding both copies and the key. */
  dir: string;
  /** Syncs `copy` with the test password. */
  sync(copy: SecretsEngine): ReturnType<SecretsEngine["sync"]>;
  /** Clones one more copy into `name` with `key`. */
  clone(name: string, key: TestKey): Promise<SecretsEngine>;
}

/**
 * Alice's copy holding `secrets`, pushed to `db` under the name `team`,
 * and Bob's copy cloned from it.
 */
export async function makeTeam(
  db: TestDatabase,
  secrets: Record<string, string> = { "db.password": "hunter2" },
): Promise<Team> {
  const dir = await tempDir();
  const alice = await openEngine(join(dir.path, "alice"));
  for (const [name, value] of Object.entries(secrets)) {
    await alice.set(name, value);
  }
  const bobKey = await ageKey(dir.path, "bob.key");
  await alice.addMember(bobKey.recipient, { label: "bob" });
  await alice.setRemote(db.url, { name: "team", password: PG.password });
  await alice.sync({ password: PG.password });
  const clone = (name: string, key: TestKey): Promise<SecretsEngine> =>
    SecretsEngine.clone(db.url, {
      path: join(dir.path, name),
      factors: [],
      name: "team",
      identity: key.identity,
      password: PG.password,
    });
  const bob = await clone("bob", bobKey);
  return {
    alice,
    bob,
    bobKey,
    dir: dir.path,
    sync: (copy) => copy.sync({ password: PG.password }),
    clone,
    async [Symbol.asyncDispose](): Promise<void> {
      await alice.close();
      await bob.close();
      await dir[Symbol.asyncDispose]();
    },
  };
}
