/**
 * The power-loss harness: mounts `lazyfs.py` over a directory, runs a child
 * on it, and cuts the power at a durable event or right after an
 * acknowledgement, leaving a directory of what survived.
 *
 * @module
 */

import { join } from "node:path";

/** The interpreter with Debian's `python3-fusepy` (pyenv shims lack it). */
export const PYTHON = "/usr/bin/python3";
const LAZYFS = new URL("./lazyfs.py", import.meta.url).pathname;
const CONTROL = ".powercut";

function granted(command: string): boolean {
  return Deno.permissions.querySync({ name: "run", command }).state ===
    "granted";
}

/** Why the power-loss tests cannot run here, or `null` when they can. */
export async function skipReason(): Promise<string | null> {
  if (Deno.build.os !== "linux") return "FUSE tests run on Linux only";
  if (![PYTHON, "deno", "fusermount"].every(granted)) {
    return `needs --allow-run=deno,${PYTHON},fusermount (run \`deno task test:powerloss\`)`;
  }
  // Deno refuses to stat device files without --allow-all: ask Python.
  const probe = await new Deno.Command(PYTHON, {
    args: ["-c", "import os; os.stat('/dev/fuse'); import fusepy"],
    stderr: "piped",
  }).output();
  if (!probe.success) {
    const why = new TextDecoder().decode(probe.stderr).trim().split("\n").pop();
    return `no FUSE here (${why}); apt-get install fuse python3-fusepy`;
  }
  return null;
}

/** Where the cut falls. */
export type CutPoint =
  | { atEvent: number }
  | { afterAck: number }
  | { end: true };

/** What a run left. */
export interface CutResult {
  /** The durable state at the cut, as a directory. */
  image: string;
  /** How many steps the child acknowledged before the cut. */
  acks: number;
  /** How many durable events the filesystem saw. */
  events: number;
  /** What the child wrote to stderr. */
  stderr: string;
}

async function* lines(
  stream: ReadableStream<Uint8Array>,
): AsyncGenerator<string> {
  let buffer = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buffer += chunk;
    const parts = buffer.split("\n");
    buffer = parts.pop() ?? "";
    yield* parts;
  }
}

function kill(process: Deno.ChildProcess): void {
  try {
    process.kill("SIGKILL");
  } catch {
    // Already gone.
  }
}

/**
 * Mounts `backing` at a fresh mount point, runs `deno run ...childArgs`
 * with `{mnt}` in them replaced by the mount point, and cuts the power at
 * `cut`. `work` holds the mount point and the image.
 */
export async function runWithCut(
  backing: string,
  work: string,
  childArgs: string[],
  cut: CutPoint,
): Promise<CutResult> {
  const mnt = await Deno.makeTempDir({ dir: work, prefix: "mnt-" });
  const image = join(work, `image-${crypto.randomUUID()}`);
  const atEvent = "atEvent" in cut ? cut.atEvent : 0;
  const fs = new Deno.Command(PYTHON, {
    args: [LAZYFS, backing, mnt, image, String(atEvent)],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // Read by hand: leaving a for-await loop would close the pipe, and the
  // filesystem's next line would fail the sync it reports.
  const fsLines = lines(fs.stdout);
  let first = await fsLines.next();
  while (!first.done && first.value !== "mounted") first = await fsLines.next();
  if (first.done) {
    const why = await new Response(fs.stderr).text();
    throw new Error(`lazyfs did not mount: ${why}`);
  }
  const child = new Deno.Command("deno", {
    args: childArgs.map((arg) => arg.replaceAll("{mnt}", mnt)),
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const stdin = child.stdin.getWriter();
  const result = { acks: 0, events: 0, cut: false };
  const powerCut = async () => {
    if (result.cut) return;
    result.cut = true;
    await Deno.stat(join(mnt, CONTROL)).catch(() => {});
  };
  const watchFs = (async () => {
    for (
      let next = await fsLines.next();
      !next.done;
      next = await fsLines.next()
    ) {
      const line = next.value;
      if (line.startsWith("events ")) result.events = Number(line.slice(7));
      if (line === "cut") {
        // The child waits in a sync the filesystem will never answer: only
        // the filesystem's death (which aborts the request) frees it.
        result.cut = true;
        kill(child);
        kill(fs);
      }
    }
  })();
  for await (const line of lines(child.stdout)) {
    const ack = line.match(/^ack (\d+)$/);
    if (ack === null) continue;
    result.acks = Number(ack[1]) + 1;
    if ("afterAck" in cut && cut.afterAck === Number(ack[1])) {
      await powerCut();
      kill(child);
    } else {
      await stdin.write(new TextEncoder().encode("go\n")).catch(() => {});
    }
  }
  await stdin.close().catch(() => {});
  await child.status;
  const stderr = await new Response(child.stderr).text();
  await powerCut();
  kill(fs);
  await new Deno.Command("fusermount", { args: ["-u", "-z", mnt] }).output();
  await fs.status;
  await watchFs.catch(() => {});
  await fs.stderr.cancel();
  await Deno.remove(mnt, { recursive: true }).catch(() => {});
  return { image, acks: result.acks, events: result.events, stderr };
}
