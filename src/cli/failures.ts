/**
 * How a command of the `secrets` CLI ends when it does not succeed: the two
 * failures it may throw and the exit codes. A leaf of the CLI, so that the
 * streams, the input helpers and the commands can all throw them without an
 * import circle.
 *
 * @module
 */

/**
 * The exit codes: 0 success, 1 failure, 2 usage; 3 a failure of a command
 * whose 1 means something else (`status`, `scan`); 4 a sync that left
 * conflicts, 5 a remote that did not answer (the vault works offline);
 * `run` adds its own.
 */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  error: 3,
  conflict: 4,
  offline: 5,
  notExecutable: 126,
  notFound: 127,
  signalBase: 128,
} as const;

/** A usage mistake: printed with a pointer to `--help`, exit code 2. */
export class UsageError extends Error {}

/** A failure already explained to the user: exit code 1. */
export class Failure extends Error {}
