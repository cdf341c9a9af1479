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
  usage:
    "remote [set postgres://USER@HOST:PORT/DB [--name NAME] | set git:DIR | unset]",
  summary:
    "show, set or forget the remote this copy of the vault syncs with (PostgreSQL, or a folder in a git repository)",
  details: `
"set" reaches the server (needs --allow-net=HOST:PORT), makes the tables a
remote needs where they are missing, says whether the role may write or only
read, and records the address, never a password: give it in PGPASSWORD or
~/.pgpass, or type it when asked at a terminal. A URL holding a password is
refused. One database holds many vaults, each under a name (--name, default
"default"). "set git:DIR" makes DIR (in a git working tree) the remote: sync
writes the vault's sealed files there, one per secret, for you to commit and
push; it writes DIR/.gitattributes and prints the git config line that
registers the merge driver. Without an action, prints the remote's URL, name
and the vault's fingerprint (exit 1 when there is none). secrets sync, pull and push exchange the vault with it;
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
      if (made.driver !== undefined) {
        io.warn(
          `remote set: ${made.url}; commit the folder as any file. Register the merge driver once in each clone of the repository:`,
        );
        io.write(`${made.driver}\n`);
        return EXIT.ok;
      }
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
