/**
 * What opening a vault costs through each kind of slot: the keyfile (the
 * baseline), and a member's own key, age X25519, age post-quantum
 * (ML-KEM-768 + X25519), ssh-ed25519 and ssh-rsa (2048 bits, made by
 * `ssh-keygen`). Each open is a whole `SecretsEngine.open` on a sealed
 * 1,000-entry vault, then `close`.
 *
 *     deno task bench:members
 *
 * @module
 */

import { join } from "node:path";
import { SecretsEngine } from "../mod.ts";
import { generateIdentity } from "../src/age/age.ts";

const dir = await Deno.makeTempDir({ prefix: "secrets-bench-" });
const path = join(dir, "vault");
globalThis.addEventListener("unload", () => {
  Deno.removeSync(dir, { recursive: true });
});

async function sshKey(
  type: "ed25519" | "rsa",
): Promise<{ identity: string; recipient: string }> {
  const file = join(dir, type);
  const { success } = await new Deno.Command("ssh-keygen", {
    args: ["-q", "-t", type, "-N", "", "-f", file],
  }).output();
  if (!success) throw new Error("ssh-keygen failed");
  return {
    identity: await Deno.readTextFile(file),
    recipient: (await Deno.readTextFile(`${file}.pub`)).trim(),
  };
}

const members = {
  x25519: await generateIdentity(),
  "post-quantum": await generateIdentity({ pq: true }),
  "ssh-ed25519": await sshKey("ed25519"),
  "ssh-rsa": await sshKey("rsa"),
};
{
  await using engine = await SecretsEngine.open({ path, factors: [] });
  await engine.setMany(
    Array.from(
      { length: 1000 },
      (_, i) => [`svc.key${i}`, `value-${i}`] as const,
    ),
  );
  for (const [label, member] of Object.entries(members)) {
    await engine.addMember(member.recipient, { label });
  }
}

Deno.bench("open through the keyfile", {
  group: "open",
  baseline: true,
}, async () => {
  await (await SecretsEngine.open({ path })).close();
});
for (const [label, { identity }] of Object.entries(members)) {
  Deno.bench(`open through a ${label} member`, { group: "open" }, async () => {
    await (await SecretsEngine.open({ path, unlock: { identity } })).close();
  });
}
