import { join } from "node:path";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import {
  ClosedError,
  type SecretChange,
  SecretsEngine,
  ValidationError,
} from "../../mod.ts";
import { canSpawn, openEngine, tempDir, until } from "../_helpers.ts";

/**
 * The first `count` changes `engine.watch(options)` yields, while `act`
 * runs; `act` may wait until the watch has seen `n` changes, so that two
 * changes are never read in one poll however busy the machine is.
 */
async function firstChanges(
  engine: SecretsEngine,
  count: number,
  act: (seenAtLeast: (n: number) => Promise<unknown>) => Promise<unknown>,
  options: Parameters<SecretsEngine["watch"]>[0] = {},
): Promise<SecretChange[]> {
  const seen: SecretChange[] = [];
  const seenAtLeast = (n: number) =>
    until(() => Promise.resolve(seen.length >= n), 60_000);
  const acting = new Promise((resolve) => setTimeout(resolve, 20)).then(() =>
    act(seenAtLeast)
  );
  for await (const change of engine.watch(options)) {
    seen.push(change);
    if (seen.length === count) break;
  }
  await acting;
  return seen;
}

Deno.test("watch reports another engine's set, delete and revert, and this engine's own writes", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  await using other = await openEngine(dir.path);
  await engine.setMany({ "a.key": "1", "b.key": "1" });
  const seen = await firstChanges(engine, 4, async (seenAtLeast) => {
    await other.set("a.key", "2");
    await seenAtLeast(1);
    await other.delete("b.key");
    await seenAtLeast(2);
    await other.revert("a.key", 1);
    await seenAtLeast(3);
    await engine.set("c.key", "own");
  });
  assertEquals(seen, [
    { name: "a.key", change: "set", version: 2 },
    { name: "b.key", change: "deleted" },
    { name: "a.key", change: "set", version: 3 },
    { name: "c.key", change: "set", version: 1 },
  ]);
});

Deno.test("a watch starts when it is made: a change before its first iteration is reported", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  await using other = await openEngine(dir.path);
  await engine.set("api.token", "t-1");
  const changes = engine.watch({ names: ["api.token"] })[
    Symbol.asyncIterator
  ]();
  // What a program started from the values read here would miss, were the
  // watch to start only at its first `next()`.
  await other.set("api.token", "t-2");
  const first = await changes.next();
  await changes.return?.();
  assertEquals(first.value, { name: "api.token", change: "set", version: 2 });
});

Deno.test("watch by names or pattern leaves unrelated changes out", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  await using other = await openEngine(dir.path);
  // Read in one poll or two, the unrelated change is left out alike.
  const act = async () => {
    await other.set("unrelated", "x");
    await other.set("db.password", "pw");
  };
  assertEquals(
    await firstChanges(engine, 1, act, { names: ["db.password"] }),
    [{ name: "db.password", change: "set", version: 1 }],
  );
  assertEquals(
    await firstChanges(engine, 1, () => other.set("db.password", "pw2"), {
      names: "db.*",
    }),
    [{ name: "db.password", change: "set", version: 2 }],
  );
});

Deno.test("watch reports a watched secret's expiry when it passes", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  await engine.set("session", "s", { ttlMs: 300 });
  const started = Date.now();
  const seen = await firstChanges(engine, 1, () => Promise.resolve());
  assertEquals(seen, [{ name: "session", change: "expired" }]);
  assert(Date.now() - started >= 250, "reported before it expired");
});

Deno.test("a signal ends the watch, leaving no timer behind", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 250);
  const seen: SecretChange[] = [];
  for await (const change of engine.watch({ signal: controller.signal })) {
    seen.push(change);
  }
  assertEquals(seen, []);
});

Deno.test("destroy elsewhere ends the watch with the ClosedError a read gets; bad options are refused", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  await engine.set("k", "v");
  const destroyer = await openEngine(dir.path);
  setTimeout(() => destroyer.destroy(), 50);
  await assertRejects(async () => {
    for await (const _ of engine.watch()) {
      // A destroy reports no change: it ends the watch.
    }
  }, ClosedError);
  await using fresh = await SecretsEngine.open({
    path: join(dir.path, "again"),
  });
  for (const options of [{ names: 5 }, { names: ["\u0000"] }, { signal: 1 }]) {
    assertEquals(
      await Promise.resolve()
        // deno-lint-ignore no-explicit-any
        .then(() => fresh.watch(options as any))
        .then(() => "accepted", (error) => error instanceof ValidationError),
      true,
    );
  }
});

Deno.test({
  name: "watch sees another process's commit within a second",
  ignore: !canSpawn,
  fn: async () => {
    await using dir = await tempDir();
    const path = join(dir.path, "vault");
    await using engine = await SecretsEngine.open({ path, factors: [] });
    await engine.set("shared.k0", "start");
    let exited = Infinity;
    const child = new Deno.Command("deno", {
      args: [
        "run",
        `--allow-read=${path}`,
        `--allow-write=${path}`,
        new URL("../process/writer_child.ts", import.meta.url).pathname,
        path,
        "1",
        "1",
      ],
    }).output().then(({ code }) => {
      exited = Date.now();
      assertEquals(code, 0);
    });
    let observed = 0;
    for await (const change of engine.watch({ names: "shared.*" })) {
      observed = Date.now();
      assertEquals(change, { name: "shared.k0", change: "set", version: 2 });
      break;
    }
    await child;
    // The commit came before the child exited: seen within a second of it.
    assert(observed - exited < 1000, `seen ${observed - exited} ms after`);
  },
});
