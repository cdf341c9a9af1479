/**
 * `secrets remote`: which remote this copy of the vault syncs with. `set`
 * reaches the server first (making its tables where missing) and records
 * the address without a password; the password comes from `PGPASSWORD`,
 * `~/.pgpass` or, at a terminal, a prompt, as `psql` takes it. Push, pull
 * and sync are `sync.ts`'s.
 *
 * @module
 */

import type { RemoteSet, SecretsEngine } from "../../../mod.ts";
import type { Command, Context } from "../command.ts";
import { EXIT, Failure, UsageError } from "../failures.ts";
import { withPassword } from "../options/pg_password.ts";
import type { Io } from "../streams.ts";

function set(
  io: Io,
  vault: SecretsEngine,
  url: string,
  name: string | undefined,
): Promise<RemoteSet> {
  return withPassword(
    io,
    url,
    (password) => vault.setRemote(url, { name, password }),
  );
}

async function show(io: Io, vault: SecretsEngine): Promise<number> {
  const remote = await vault.remote();
  if (remote === null) {
    io.warn("no remote: secrets remote set postgres://USER@HOST:PORT/DB");
    return EXIT.failed;
  }
  io.write(`${remote.url} ${remote.name} ${remote.fingerprint}\n`);
  return EXIT.ok;
}

/** `remote [set URL [--name NAME] | unset]`. */
export const remote: Command = {
  usage: "remote [set postgres://USER@HOST:PORT/DB [--name NAME] | unset]",
  summary:
    "show, set or forget the remote this copy of the vault syncs with (PostgreSQL)",
  details: `
"set" reaches the server (needs --allow-net=HOST:PORT), makes the tables a
remote needs where they are missing, says whether the role may write or only
read, and records the address, never a password: give it in PGPASSWORD or
~/.pgpass, or type it when asked at a terminal. A URL holding a password is
refused. One database holds many vaults, each under a name (--name, default
"default"). Without an action, prints the remote's URL and name (exit 1 when
there is none). secrets sync, pull and push exchange the vault with it;
secrets clone makes a copy from one.`,
  options: ["name"],
  operands: [0, 2],
  async run({ args, open, io }: Context): Promise<number> {
    const [action, url] = args.operands;
    const { name } = args.values;
    if (name !== undefined && action !== "set") {
      throw new UsageError("--name goes with remote set");
    }
    if (action === undefined) {
      await using vault = await open();
      return await show(io, vault);
    }
    if (action === "set" && url !== undefined) {
      await using vault = await open();
      const made = await set(io, vault, url, name);
      io.warn(
        `remote set: ${made.url}, vault "${made.name}"; this role may ${
          made.access === "write" ? "read and write" : "only read"
        } it`,
      );
      return EXIT.ok;
    }
    if (action === "unset" && url === undefined) {
      await using vault = await open();
      if (!await vault.unsetRemote()) throw new Failure("no remote was set");
      io.warn("forgot the remote; nothing on the server changed");
      return EXIT.ok;
    }
    throw new UsageError(`usage: secrets ${remote.usage}`);
  },
};
