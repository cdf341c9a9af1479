import {
  assert,
  assertEquals,
  assertFalse,
  assertRejects,
  assertThrows,
} from "../_assert.ts";
import {
  ClosedError,
  IntegrityError,
  SecretsEngineError,
  ValidationError,
} from "../../src/errors.ts";
import { type CallGuard, callGuard } from "../../src/vault/guard.ts";

function guard(readOnly = false): { g: CallGuard; released: () => number } {
  let released = 0;
  const g = callGuard({
    readOnly: readOnly ? () => new ValidationError("read-only") : null,
    release: () => released++,
    stillOpen: () => {},
  });
  return { g, released: () => released };
}

Deno.test("the guard refuses every call once shut, and releases once", () => {
  const { g, released } = guard();
  assertEquals(g.callSync(() => 1), 1);
  g.shutdown();
  assertThrows(() => g.callSync(() => 1), ClosedError);
  assertEquals(released(), 1);
});

Deno.test("damage is noted; a ClosedError from the vault shuts the engine with its reason", () => {
  const { g, released } = guard();
  assertThrows(() =>
    g.callSync(() => {
      throw new IntegrityError("bad row");
    }), IntegrityError);
  assert(g.damaged);
  assertThrows(() =>
    g.callSync(() => {
      throw new ClosedError("destroyed elsewhere");
    }), ClosedError);
  assertEquals([g.closed, released()], ["destroyed elsewhere", 1]);
});

Deno.test("raw errors become SecretsEngineErrors; writes on a read-only engine are refused", async () => {
  const { g } = guard(true);
  assertThrows(() =>
    g.callSync(() => {
      throw new Deno.errors.BrokenPipe("pipe");
    }), SecretsEngineError);
  assertFalse(g.damaged);
  await assertRejects(() => g.write(() => 1), ValidationError);
});

Deno.test("a write cut short by shutdown is a ClosedError", async () => {
  const { g } = guard();
  const writing = g.write(async () => {
    await Promise.resolve();
    g.shutdown();
    throw new Error("the store is closed");
  });
  await assertRejects(() => writing, ClosedError);
});
