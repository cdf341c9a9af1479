/**
 * Runs a command (the test suite) and then checks that it left no process
 * behind: a program a test started and lost (a `run --watch` program under
 * PID 1, say) would run on for hours after the suite, its temporary
 * directory gone. Every process the command starts inherits a variable
 * naming this run; once the command ends, any process still carrying it
 * is a leftover. Leftovers are given a few seconds to end (a program sent
 * SIGTERM as the suite ended), then listed, killed, and the run fails.
 *
 *     deno run --allow-run tools/no_leftovers.ts deno test …
 *
 * Exits with the command's code, or 1 when it left a process behind.
 *
 * @module
 */

const VARIABLE = "SECRETS_TEST_RUN";
const GRACE_MS = 5000;
const POLL_MS = 100;

/**
 * The processes whose environment holds `VARIABLE=run`, each as its pid
 * and command line (read through `sh`: Deno lets only `--allow-all` read
 * `/proc`).
 */
async function carrying(run: string): Promise<string[]> {
  const script = `
for environ in /proc/[0-9]*/environ; do
  pid=\${environ#/proc/}; pid=\${pid%/environ}
  [ "$pid" = "$$" ] && continue
  if tr '\\0' '\\n' < "$environ" 2>/dev/null | grep -qx "$1"; then
    printf '%s %s\\n' "$pid" "$(tr '\\0' ' ' < /proc/$pid/cmdline 2>/dev/null)"
  fi
done`;
  const { stdout } = await new Deno.Command("sh", {
    args: ["-c", script, "sh", `${VARIABLE}=${run}`],
    env: { [VARIABLE]: "" },
    stdout: "piped",
  }).output();
  return new TextDecoder().decode(stdout).split("\n").filter(Boolean);
}

/** The leftovers still there after the grace period, or none. */
async function leftovers(run: string): Promise<string[]> {
  const end = Date.now() + GRACE_MS;
  let found = await carrying(run);
  while (found.length > 0 && Date.now() < end) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    found = await carrying(run);
  }
  return found;
}

const [command, ...args] = Deno.args;
if (command === undefined) {
  console.error("usage: no_leftovers.ts COMMAND [ARGS...]");
  Deno.exit(2);
}
const run = crypto.randomUUID();
const { code } = await new Deno.Command(command, {
  args,
  env: { [VARIABLE]: run },
}).spawn().status;
const left = await leftovers(run);
for (const line of left) {
  const pid = Number(line.split(" ")[0]);
  try {
    Deno.kill(pid, "SIGKILL");
  } catch {
    // It ended meanwhile.
  }
}
if (left.length > 0) {
  console.error(
    `the suite left ${left.length} process(es) running; killed:\n${
      left.join("\n")
    }`,
  );
  Deno.exit(code === 0 ? 1 : code);
}
Deno.exit(code);
