/**
 * The {@linkcode Remote} of a folder in a git working tree: the vault's
 * sealed state as files the user commits and pushes, so changes go
 * through review. Nothing here runs git. Each file changes only when what
 * it holds changes, so ordinary pushes on two branches touch no common
 * file and git merges them; there is no shared revision counter (it would
 * conflict on every merge), and no manifest:
 *
 * - `secrets/HASH.json`: one per name (its keyed hash, which rotations
 *   keep): `{"version","epoch","sealed"}`;
 * - `members/EPOCH/ID.json`: one per member slot of each epoch, with its MAC;
 * - `epochs/EPOCH.json`: each epoch's header after the first;
 * - `vault.json`: the vault id, the epoch and its key check; it changes
 *   only with a new epoch.
 *
 * @module
 */

import { join } from "node:path";
import { decodeBase64, decodeHex, encodeBase64, encodeHex } from "../base64.ts";
import { RemoteError } from "../errors.ts";
import { writeAtomic } from "../storage/files.ts";
import type { SlotRow } from "../storage/schema.ts";
import type { GitAddress } from "./address.ts";
import type {
  EpochHeader,
  PushedRow,
  Remote,
  RemoteHead,
  RemoteMember,
  RemoteRow,
} from "./remote.ts";

const ROWS = "secrets";
const MEMBERS = "members";
const EPOCHS = "epochs";
const HEAD = "vault.json";
const FILE_MODE = 0o644;
const MARKER = /^(<{7}|={7}|>{7})( |$)/m;

/** A file's JSON, one line: the bytes a file holds are a function of it. */
function line(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

/** The row file `text` holds, at `hash`. */
export function readRowFile(hash: string, text: string): RemoteRow {
  const { version, epoch, sealed } = JSON.parse(text);
  if (
    !Number.isSafeInteger(version) || !Number.isSafeInteger(epoch) ||
    typeof sealed !== "string"
  ) {
    throw new SyntaxError("not a row");
  }
  return {
    hash,
    version,
    epoch,
    revision: 0,
    sealed: decodeBase64(sealed, "a row"),
  };
}

/** The text of the file of `row`. */
export function rowFile(
  row: Pick<RemoteRow, "version" | "epoch" | "sealed">,
): string {
  return line({
    version: row.version,
    epoch: row.epoch,
    sealed: encodeBase64(row.sealed),
  });
}

function memberFile({ slot, mac }: RemoteMember): string {
  return line({
    slot: {
      ...slot,
      salt: encodeBase64(slot.salt),
      wrapped: encodeBase64(slot.wrapped),
    },
    mac: encodeBase64(mac),
  });
}

function readMemberFile(text: string): RemoteMember {
  const { slot, mac } = JSON.parse(text);
  const row: SlotRow = {
    id: String(slot.id),
    kind: String(slot.kind),
    label: String(slot.label),
    created: Number(slot.created),
    kdf: String(slot.kdf),
    salt: decodeBase64(String(slot.salt), "a member slot"),
    factors: String(slot.factors),
    wrapped: decodeBase64(String(slot.wrapped), "a member slot"),
  };
  return { slot: row, mac: decodeBase64(String(mac), "a member slot") };
}

function headFile(head: RemoteHead): string {
  return line({
    vault: encodeHex(head.vaultId ?? new Uint8Array()),
    epoch: head.epoch,
    keyCheck: encodeHex(head.keyCheck ?? new Uint8Array()),
  });
}

/** The git folder `address.dir` as a {@linkcode Remote}. */
export function openGitFolder(address: GitAddress, driverLine: string): Remote {
  const { dir } = address;
  const path = (...parts: string[]) => join(dir, ...parts);

  /** A file's text, or `null`; conflict markers and junk are refused. */
  function read(...parts: string[]): string | null {
    let text: string;
    try {
      text = Deno.readTextFileSync(path(...parts));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return null;
      throw error;
    }
    if (MARKER.test(text)) {
      throw new RemoteError(
        `git left conflict markers in ${
          parts.join("/")
        }: register the merge driver, which merges the vault's files by name (${driverLine}), then redo the merge; nothing was applied`,
      );
    }
    return text;
  }

  function parsed<T>(parts: string[], parse: (text: string) => T): T | null {
    const text = read(...parts);
    if (text === null) return null;
    try {
      return parse(text);
    } catch {
      throw new RemoteError(
        `${
          parts.join("/")
        } in the git folder is not one of the vault's files: it was edited; nothing was applied`,
      );
    }
  }

  function names(...parts: string[]): string[] {
    try {
      return [...Deno.readDirSync(path(...parts))]
        .filter((entry) => entry.isFile && entry.name.endsWith(".json"))
        .map((entry) => entry.name.slice(0, -".json".length))
        .sort();
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return [];
      throw error;
    }
  }

  function write(parts: string[], text: string): void {
    const file = path(...parts);
    const folder = file.slice(0, file.lastIndexOf("/"));
    Deno.mkdirSync(folder, { recursive: true });
    writeAtomic(
      folder,
      parts[parts.length - 1],
      new TextEncoder().encode(text),
      FILE_MODE,
    );
  }

  function head(): RemoteHead {
    const found = parsed([HEAD], (text) => {
      const { vault, epoch, keyCheck } = JSON.parse(text);
      const vaultId = decodeHex(vault);
      const check = decodeHex(keyCheck);
      if (!Number.isSafeInteger(epoch) || vaultId === null || check === null) {
        throw new SyntaxError("not a head");
      }
      return { vaultId, keyCheck: check, epoch: epoch as number };
    });
    return found === null
      ? { revision: 0, epoch: 0, vaultId: null, keyCheck: null, record: null }
      : { revision: 0, record: null, ...found };
  }

  function rows(): RemoteRow[] {
    return names(ROWS).map((hash) =>
      parsed([ROWS, `${hash}.json`], (text) => readRowFile(hash, text)) ??
        readRowFile(hash, "")
    );
  }

  /** Whether every row sits at the version its push expects. */
  function atBases(pushed: readonly PushedRow[]): boolean {
    return pushed.every((row) => {
      const found = parsed(
        [ROWS, `${row.hash}.json`],
        (text) => readRowFile(row.hash, text),
      );
      return (found?.version ?? 0) === row.base;
    });
  }

  function writeEpoch(epoch: EpochHeader | undefined): boolean {
    if (epoch === undefined) return true;
    const parts = [EPOCHS, `${epoch.epoch}.json`];
    if (read(...parts) !== null) return false;
    write(parts, line({ header: encodeBase64(epoch.header) }));
    return true;
  }

  return {
    ordered: false,
    head: () => Promise.resolve().then(head),
    writable: () => Promise.resolve(true),
    snapshot: () =>
      Promise.resolve().then(() => ({ head: head(), rows: rows() })),
    members: (epoch) =>
      Promise.resolve().then(() =>
        names(MEMBERS, String(epoch)).flatMap((id) =>
          parsed([MEMBERS, String(epoch), `${id}.json`], readMemberFile) ?? []
        )
      ),
    epochs: (after) =>
      Promise.resolve().then(() =>
        names(EPOCHS).map(Number).filter((n) =>
          Number.isSafeInteger(n) && n > after
        )
          .sort((a, b) => a - b).map((epoch) => ({
            epoch,
            header: decodeBase64(
              parsed(
                [EPOCHS, `${epoch}.json`],
                (text) => JSON.parse(text).header,
              ) ?? "",
              "an epoch header",
            ),
          }))
      ),
    listen: () => Promise.resolve(() => Promise.resolve()),
    push: (push) =>
      Promise.resolve().then(() => {
        if (!atBases(push.rows) || !writeEpoch(push.epoch)) return "moved";
        for (const row of push.rows) {
          write([ROWS, `${row.hash}.json`], rowFile(row));
        }
        const epoch = String(push.head.epoch);
        for (const member of push.members) {
          const parts = [MEMBERS, epoch, `${member.slot.id}.json`];
          if (read(...parts) === null) {
            write(parts, memberFile(member));
          }
        }
        const text = headFile(push.head);
        if (read(HEAD) !== text) write([HEAD], text);
        return "done";
      }),
    [Symbol.asyncDispose]: () => Promise.resolve(),
  };
}
