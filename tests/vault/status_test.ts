import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { ValidationError } from "../../mod.ts";
import { openEngine, tempDir } from "../_helpers.ts";

const DAY = 86_400_000;

Deno.test("status lists what is expired, expiring or due, soonest first, and nothing else", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  await engine.set("gone", "x", { ttlMs: 1 });
  await engine.set("cert.pem", "c", {
    ttlMs: 3 * DAY,
    note: "renew at the CA",
  });
  await engine.set("db.password", "p", { rotateEvery: 10 * DAY });
  await engine.set("later", "l", { ttlMs: 30 * DAY, rotateEvery: 30 * DAY });
  await engine.set("plain", "p");
  await engine.importEntries({
    type: "@scope/secrets export",
    version: 4,
    exported: "2020-01-01T00:00:00.000Z",
    entries: [{
      name: "stale.key",
      kind: "text",
      value: "s",
      created: "2020-01-01T00:00:00.000Z",
      updated: "2020-01-01T00:00:00.000Z",
      expires: null,
      tags: [],
      rotateEvery: 90 * DAY,
    }],
  });
  await new Promise((resolve) => setTimeout(resolve, 5));
  const listed = await engine.status();
  assertEquals(
    listed.map(({ name, state }) => `${name} ${state}`),
    [
      "stale.key overdue",
      "gone expired",
      "cert.pem expiring",
      "db.password due",
    ],
  );
  assertEquals(
    listed[0].date.toISOString(),
    new Date(Date.parse("2020-01-01") + 90 * DAY).toISOString(),
  );
  assertEquals(listed[0].rotatedAt.toISOString(), "2020-01-01T00:00:00.000Z");
  assert(listed.every((entry) => !("note" in entry)));
  const withNotes = await engine.status({ notes: true });
  assertEquals(withNotes[2].note, "renew at the CA");
  assertEquals(withNotes[0].note, null);
  assertEquals(
    (await engine.status({ within: 0 })).map(({ name }) => name),
    ["stale.key", "gone"],
  );
  const wider = await engine.status({ within: 40 * DAY });
  assertEquals(
    wider.map(({ name, state }) => `${name} ${state}`).slice(-2).sort(),
    ["later due", "later expiring"],
  );
});

Deno.test("status refuses a bad window", async () => {
  await using dir = await tempDir();
  await using engine = await openEngine(dir.path);
  for (const within of [-1, 1.5, 101 * 365 * DAY, Number.NaN]) {
    await assertRejects(() => engine.status({ within }), ValidationError);
  }
  await assertRejects(
    // @ts-expect-error: a caller without types
    () => engine.status({ notes: "yes" }),
    ValidationError,
  );
});
