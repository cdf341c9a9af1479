/**
 * Where `secrets scan` reads: every regular file under the paths it is
 * given (never following a symlink, skipping `.git` and what `--exclude`
 * names), what `git diff --cached` would commit, and every blob of a git
 * repository with a commit and path that contain it. Each source is a
 * label and a stream of its bytes, read in chunks, never whole.
 *
 * @module
 */

import { join, relative } from "node:path";
import { Failure } from "../failures.ts";

/** One thing to scan: how findings name it, and its bytes. */
export interface Source {
  /** The path (or `commit:path`, or `blob ID` for an unreachable blob). */
  label: string;
  /** Its bytes, in chunks, each valid until the next is asked for. */
  chunks(): AsyncIterable<Uint8Array>;
}

/** How much of a file one read takes: few reads, and flat memory. */
const READ_BYTES = 4 << 20;

/**
 * A path glob as `--exclude` takes it: `*` within one path component,
 * `**` across them, `?` one character; it matches a path below the
 * scanned directory or any one component of it.
 *
 * @example Leave out a directory anywhere, and one kind of file
 * ```ts
 * import { excluder } from "./sources.ts";
 * import assert from "node:assert/strict";
 * const excluded = excluder(["node_modules", "*.min.js"]);
 * assert.ok(excluded("web/node_modules/x/index.js"));
 * assert.ok(excluded("dist/app.min.js"));
 * assert.ok(!excluded("src/app.js"));
 * ```
 */
export function excluder(globs: readonly string[]): (path: string) => boolean {
  const patterns = globs.map((glob) =>
    new RegExp(
      `^${
        glob.replace(/[.+^${}()|[\]\\]/g, "\\$&")
          .replaceAll("**", "\u0000")
          .replaceAll("*", "[^/]*")
          .replaceAll("?", "[^/]")
          .replaceAll("\u0000", ".*")
      }$`,
    )
  );
  return (path) => {
    const parts = path.split("/");
    return patterns.some((pattern) =>
      pattern.test(path) ||
      parts.some((_, i) => pattern.test(parts.slice(i).join("/"))) ||
      parts.some((part) => pattern.test(part))
    );
  };
}

/** Throws the flag to add when reading `path` is not granted. */
function requireRead(path: string): void {
  if (Deno.permissions.querySync({ name: "read", path }).state !== "granted") {
    throw new Failure(`scanning ${path} needs --allow-read=${path}`);
  }
}

async function* fileChunks(path: string): AsyncGenerator<Uint8Array> {
  using file = await Deno.open(path, { read: true });
  const buffer = new Uint8Array(READ_BYTES);
  try {
    for (;;) {
      const n = await file.read(buffer);
      if (n === null) return;
      yield buffer.subarray(0, n);
    }
  } finally {
    buffer.fill(0);
  }
}

/**
 * Every regular file under `root` (or `root` itself), skipping `.git` and
 * what `excluded` names. `root` is followed when it is a symlink (a
 * `current -> releases/N` deploy link named on the command line, as `grep
 * -r` follows it); a symlink inside the tree is not.
 */
export async function* files(
  root: string,
  excluded: (path: string) => boolean,
): AsyncGenerator<Source> {
  requireRead(root);
  const info = await Deno.stat(root).catch(() => null);
  if (info === null) throw new Failure(`no such file or directory: ${root}`);
  if (info.isFile) {
    yield { label: root, chunks: () => fileChunks(root) };
    return;
  }
  if (!info.isDirectory) return;
  const pending = [root];
  while (pending.length > 0) {
    const dir = pending.pop() as string;
    const entries = [];
    for await (const entry of Deno.readDir(dir)) entries.push(entry);
    entries.sort((a, b) => a.name < b.name ? 1 : -1);
    for (const entry of entries) {
      const path = join(dir, entry.name);
      const below = relative(root, path);
      if (entry.name === ".git" || excluded(below)) continue;
      if (entry.isDirectory) pending.push(path);
      else if (entry.isFile) {
        yield { label: path, chunks: () => fileChunks(path) };
      }
    }
  }
}

/** Throws the flag to add when running `git` is not granted. */
function requireGit(option: string): void {
  const access = Deno.permissions.querySync({ name: "run", command: "git" });
  if (access.state !== "granted") {
    throw new Failure(`${option} needs --allow-run=git`);
  }
}

/**
 * The options that keep a scanned repository's own configuration from
 * running anything: its hooks, its file-system monitor (`core.fsmonitor`
 * is a command), a pager, an external diff or a text conversion.
 */
const UNTRUSTED_REPO = [
  "--no-pager",
  "-c",
  "core.fsmonitor=false",
  "-c",
  "core.hooksPath=/dev/null",
  "-c",
  "core.pager=cat",
  "-c",
  "diff.external=",
];

/** `git` in `repo` with the repository's config kept from running code. */
function gitCommand(
  repo: string,
  args: string[],
  options: Deno.CommandOptions,
): Deno.Command {
  return new Deno.Command("git", {
    ...options,
    args: [...UNTRUSTED_REPO, "-C", repo, ...args],
  });
}

async function git(repo: string, args: string[]): Promise<Uint8Array> {
  const { code, stdout, stderr } = await gitCommand(repo, args, {
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    const why = new TextDecoder().decode(stderr).trim().split("\n")[0];
    throw new Failure(`git ${args[0]} failed in ${repo}: ${why}`);
  }
  return stdout;
}

function gitStream(repo: string, args: string[]): ReadableStream<Uint8Array> {
  return gitCommand(repo, args, {
    stdout: "piped",
    stderr: "null",
  }).spawn().stdout;
}

/** What `git diff --cached` would commit in `repo`: each staged file. */
export async function* staged(repo: string): AsyncGenerator<Source> {
  requireGit("--staged");
  const names = new TextDecoder().decode(
    await git(repo, [
      "diff",
      "--cached",
      "--no-ext-diff",
      "--no-textconv",
      "--name-only",
      "-z",
      "--diff-filter=ACMR",
    ]),
  ).split("\0").filter(Boolean);
  for (const name of names) {
    yield {
      label: join(repo, name),
      chunks: () => gitStream(repo, ["cat-file", "blob", `:${name}`]),
    };
  }
}

/**
 * A reader of `stream` that gives a line, or exactly `size` bytes in
 * chunks: what `git cat-file --batch` writes is a header line, the object,
 * and a newline.
 */
function batchReader(stream: ReadableStream<Uint8Array>): {
  line(): Promise<string>;
  take(size: number): AsyncGenerator<Uint8Array>;
} {
  const reader = stream.getReader();
  let held: Uint8Array = new Uint8Array(0);
  const more = async (): Promise<boolean> => {
    const { value, done } = await reader.read();
    if (done) return false;
    held = held.length === 0 ? value : concat(held, value);
    return true;
  };
  return {
    async line(): Promise<string> {
      for (;;) {
        const end = held.indexOf(0x0a);
        if (end >= 0) {
          const text = new TextDecoder().decode(held.subarray(0, end));
          held = held.subarray(end + 1);
          return text;
        }
        if (!await more()) throw new Failure("git cat-file ended early");
      }
    },
    async *take(size: number): AsyncGenerator<Uint8Array> {
      // The object, then the newline that ends it.
      for (let left = size + 1; left > 0;) {
        if (held.length === 0 && !await more()) {
          throw new Failure("git cat-file ended early");
        }
        const part = held.subarray(0, Math.min(left, held.length));
        held = held.subarray(part.length);
        left -= part.length;
        yield left === 0 ? part.subarray(0, part.length - 1) : part;
      }
    },
  };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const both = new Uint8Array(a.length + b.length);
  both.set(a);
  both.set(b, a.length);
  return both;
}

/**
 * The blobs `ids` of `repo`, read through one `git cat-file --batch`, in
 * order: each source's chunks must be read before the next source's.
 */
async function* blobs(
  repo: string,
  ids: readonly string[],
  label: (id: string) => string,
): AsyncGenerator<Source> {
  const child = gitCommand(repo, ["cat-file", "--batch"], {
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const writing = (async () => {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(ids.join("\n") + "\n"));
    await writer.close();
  })();
  const reader = batchReader(child.stdout);
  try {
    for (const id of ids) {
      const size = Number((await reader.line()).split(" ")[2]);
      yield { label: label(id), chunks: () => reader.take(size) };
    }
  } finally {
    await writing.catch(() => {});
    try {
      child.kill();
    } catch {
      // It has exited.
    }
    await child.status;
  }
}

/**
 * Every blob in `repo` (all branches, tags, stashes and unreachable
 * objects), each labelled by the first commit and path found to contain
 * it, or by its id when no commit does.
 */
export async function* history(repo: string): AsyncGenerator<Source> {
  requireGit("--git");
  const decoder = new TextDecoder();
  const found = decoder.decode(
    await git(repo, [
      "cat-file",
      "--batch-all-objects",
      "--batch-check=%(objectname) %(objecttype)",
    ]),
  ).split("\n").flatMap((line) => {
    const [id, type] = line.split(" ");
    return type === "blob" ? [id] : [];
  });
  const located = new Map<string, string>();
  let commit = "";
  const log = decoder.decode(
    await git(repo, [
      "log",
      "--all",
      "--reflog",
      "--no-abbrev",
      "--raw",
      "--no-renames",
      "--format=commit %H",
    ]),
  );
  for (const line of log.split("\n")) {
    if (line.startsWith("commit ")) commit = line.slice(7);
    else if (line.startsWith(":")) {
      const [meta, path] = line.split("\t");
      const id = meta.split(" ")[3];
      if (!located.has(id)) located.set(id, `${commit.slice(0, 12)}:${path}`);
    }
  }
  yield* blobs(
    repo,
    found,
    (id) => located.get(id) ?? `blob ${id.slice(0, 12)} (unreachable)`,
  );
}
