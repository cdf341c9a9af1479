/**
 * A PostgreSQL password found as `psql` finds one: `PGPASSWORD`, else the
 * first line of `~/.pgpass` (or the file `PGPASSFILE` names) whose
 * `host:port:database:user` fields match, each `*` or equal, with `\:`
 * and `\\` escaped; a file readable by group or others is ignored, as
 * libpq ignores it. A command that talks to the remote asks at a terminal
 * when the server wants a password and neither has one.
 *
 * @module
 */

import { RemoteError } from "../../../mod.ts";
import type { Io } from "../streams.ts";
import { promptHidden } from "../terminal/prompt.ts";

/** What a password is looked up for. */
export interface PasswordTarget {
  /** The host. */
  host: string;
  /** The port. */
  port: number;
  /** The database. */
  database: string;
  /** The role. */
  user: string;
}

/** The fields of one `.pgpass` line, unescaped; `null` for a comment. */
export function pgpassFields(line: string): string[] | null {
  if (line.startsWith("#") || line.trim() === "") return null;
  const fields: string[] = [];
  let field = "";
  for (let at = 0; at < line.length; at++) {
    const char = line[at];
    if (char === "\\" && at + 1 < line.length) {
      field += line[++at];
    } else if (char === ":" && fields.length < 4) {
      fields.push(field);
      field = "";
    } else {
      field += char;
    }
  }
  fields.push(field);
  return fields.length === 5 ? fields : null;
}

/**
 * The password `.pgpass` text gives `target`, or `undefined`.
 *
 * @example Find a password in .pgpass text
 * ```ts
 * import { pgpassPassword } from "./pg_password.ts";
 * import assert from "node:assert/strict";
 * const text = "db.internal:5432:*:ops:s3cr\\:et\n";
 * const target = { host: "db.internal", port: 5432, database: "secrets", user: "ops" };
 * assert.equal(pgpassPassword(text, target), "s3cr:et");
 * ```
 */
export function pgpassPassword(
  text: string,
  target: PasswordTarget,
): string | undefined {
  const wanted = [
    target.host,
    String(target.port),
    target.database,
    target.user,
  ];
  for (const line of text.split(/\r?\n/)) {
    const fields = pgpassFields(line);
    if (fields === null) continue;
    if (
      wanted.every((value, at) => fields[at] === "*" || fields[at] === value)
    ) {
      return fields[4];
    }
  }
  return undefined;
}

/** Reads `name` from the environment, when this process may. */
function envValue(name: string): string | undefined {
  const access = Deno.permissions.querySync({ name: "env", variable: name });
  return access.state === "granted" ? Deno.env.get(name) : undefined;
}

/** The `.pgpass` file psql would read, or `undefined`. */
function pgpassPath(): string | undefined {
  const named = envValue("PGPASSFILE");
  if (named) return named;
  const home = envValue("HOME");
  return home ? `${home}/.pgpass` : undefined;
}

/**
 * The password for `target` from `PGPASSWORD` or `.pgpass`, or
 * `undefined`. A `.pgpass` that cannot be read, or that group or others
 * may read, gives none (libpq warns and ignores it too).
 */
export function findPassword(target: PasswordTarget): string | undefined {
  const direct = envValue("PGPASSWORD");
  if (direct) return direct;
  const path = pgpassPath();
  if (path === undefined) return undefined;
  const access = Deno.permissions.querySync({ name: "read", path });
  if (access.state !== "granted") return undefined;
  try {
    const info = Deno.statSync(path);
    if (!info.isFile || ((info.mode ?? 0) & 0o077) !== 0) return undefined;
    return pgpassPassword(Deno.readTextFileSync(path), target);
  } catch {
    return undefined;
  }
}

/** The lookup target of a remote URL; `null` when it does not parse. */
function targetOf(url: string): PasswordTarget | null {
  try {
    const target = new URL(url);
    return {
      host: target.hostname,
      port: Number(target.port || 5432),
      database: decodeURIComponent(target.pathname.slice(1)),
      user: decodeURIComponent(target.username),
    };
  } catch {
    // The library words a malformed URL.
    return null;
  }
}

/**
 * Runs `attempt` with the password found for `url`; when the server asks
 * for one and none was found, asks at a terminal and runs it once more.
 */
export async function withPassword<T>(
  io: Io,
  url: string,
  attempt: (password: string | undefined) => Promise<T>,
): Promise<T> {
  const target = targetOf(url);
  const password = target === null ? undefined : findPassword(target);
  try {
    return await attempt(password);
  } catch (error) {
    const wanted = error instanceof RemoteError &&
      error.remedy?.kind === "remote-password";
    if (!wanted || password !== undefined || !io.streams.stdin.isTerminal()) {
      throw error;
    }
    return await attempt(await promptHidden(io, "Password for the remote: "));
  }
}
