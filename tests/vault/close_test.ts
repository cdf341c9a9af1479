import { assert } from "../_assert.ts";
import { join } from "node:path";
import { closeVault } from "../../src/vault/close.ts";
import { openVault } from "../../src/vault/open.ts";
import { tempDir } from "../_helpers.ts";

// Issue #9, item 14: the engine dropped its keys without zeroing them.
Deno.test("nothing wiped: closing zeroes every sub-key the engine held", async () => {
  await using dir = await tempDir();
  const vault = await openVault({ path: join(dir.path, "vault") });
  const keys: Uint8Array[] = Object.values(vault.keys);
  assert(keys.every((key) => key.some((byte: number) => byte !== 0)));
  closeVault(vault);
  assert(keys.every((key) => key.every((byte: number) => byte === 0)));
});
