/**
 * `secrets members`: the people and machines that open the vault with
 * their own age or SSH keys. List them, add one (a recipient, or a file of
 * them one a line, as `.age-recipients` and `authorized_keys` hold them),
 * remove one (which rotates the data key and marks what it could read as
 * exposed), and `whoami`, the fingerprint of your own identity.
 *
 * @module
 */

import type { MemberInfo, SecretsEngine } from "../../../mod.ts";
import type { Command, Context } from "../command.ts";
import { EXIT, Failure, UsageError } from "../failures.ts";
import { confirmAtTerminal } from "../terminal/prompt.ts";
import { progress } from "../terminal/progress.ts";
import { formatTable, shownText } from "../terminal/table.ts";
import {
  defaultIdentityFile,
  IDENTITY_FILE_ENV,
  identityUnlock,
  readIdentity,
} from "../options/unlock.ts";
import { MAX_KEY_FILE_BYTES } from "../io.ts";
import type { Io } from "../streams.ts";
import type { RecipientInfo } from "../../age/age.ts";
import { loadAge } from "../options/age_keys.ts";

// The kinds a quantum computer cannot break.
const POST_QUANTUM = "mlkem768x25519";

function listMembers(io: Io, list: readonly MemberInfo[]): void {
  if (list.length === 0) {
    io.write(
      "no members: add one with secrets members add RECIPIENT --label NAME\n",
    );
    return;
  }
  const rows = list.map((member) => [
    shownText(member.label),
    member.kind,
    member.fingerprint,
    member.added.toISOString().slice(0, 19).replace("T", " "),
  ]);
  io.write(formatTable(["LABEL", "KIND", "FINGERPRINT", "ADDED"], rows));
  const classical = list.filter((member) => member.kind !== POST_QUANTUM);
  if (classical.length > 0) {
    io.write(
      `not post-quantum: ${
        classical.map((member) => shownText(member.label)).join(", ")
      } ${
        classical.length === 1 ? "opens" : "open"
      } the vault with a key a quantum computer could break (age1pq1… keys cannot be)\n`,
    );
  }
}

/** The recipients an operand names: itself, or the lines of a file. */
async function recipientsOf(
  io: Io,
  operand: string,
): Promise<RecipientInfo[]> {
  const { readRecipients } = await loadAge();
  const looksLikeKey = operand.startsWith("age1") ||
    /^(?:\S+\s+)?(?:ssh|ecdsa|sk)-\S+\s+\S+/.test(operand);
  if (looksLikeKey) return readRecipients(operand);
  const text = await io.readText(operand, MAX_KEY_FILE_BYTES).catch(
    (error) => {
      if (!(error instanceof Failure)) throw error;
      throw new Failure(
        `${
          shownText(operand)
        } is not a recipient (age1…, 'ssh-ed25519 AAAA…'), and as a file of them: ${error.message}`,
      );
    },
  );
  return readRecipients(text);
}

async function add(
  { args, open, io }: Context,
  operand: string,
): Promise<number> {
  const { label, yes } = args.values;
  if (label === undefined) {
    throw new UsageError(
      "members add needs --label NAME: who or what the key is (alice, ci, web-1)",
    );
  }
  const recipients = await recipientsOf(io, operand);
  for (const recipient of recipients) {
    io.warn(`${recipient.kind} ${recipient.fingerprint}`);
  }
  if (!yes) {
    if (!io.streams.stdin.isTerminal()) {
      throw new UsageError(
        "members add asks you to check each fingerprint at a terminal; off one, pass --yes",
      );
    }
    const question = `Add ${recipients.length} key${
      recipients.length === 1 ? "" : "s"
    } as member "${shownText(label)}"? Type "yes" to confirm:`;
    if (!await confirmAtTerminal(io, question)) {
      throw new Failure("nothing was added");
    }
  }
  await using vault = await open();
  for (const recipient of recipients) {
    const member = await vault.addMember(recipient.recipient, { label });
    io.warn(
      `added member "${shownText(member.label)}" (${member.fingerprint})`,
    );
  }
  return EXIT.ok;
}

async function remove(
  vault: SecretsEngine,
  io: Io,
  label: string,
): Promise<number> {
  const shown = progress(io, "rotate", "entries");
  const { removed, exposed } = await vault.removeMember(label, {
    onProgress: (done, total) => shown.update(done, total),
  }).finally(() => shown.end());
  io.warn(
    `removed member "${shownText(label)}" (${removed.length} key${
      removed.length === 1 ? "" : "s"
    }) and rotated the data key; ${exposed} secret${
      exposed === 1 ? " it could read is" : "s it could read are"
    } exposed until changed: secrets status lists them`,
  );
  return EXIT.ok;
}

async function whoami({ args, io }: Context): Promise<number> {
  const [path = defaultIdentityFile()] = args.values.identity ?? [];
  if (path === undefined) {
    throw new UsageError(
      `members whoami reads your identity: pass --identity FILE, or set ${IDENTITY_FILE_ENV}`,
    );
  }
  const unlock = await identityUnlock(io, await readIdentity(io, path), path);
  const { identityRecipients } = await loadAge();
  const found = "identity" in unlock
    ? await identityRecipients(unlock.identity, unlock.passphrase)
    : [];
  for (const { kind, fingerprint, recipient } of found) {
    // An SSH key's line names its kind already.
    const named = recipient.startsWith(`${kind} `) ? "" : `${kind} `;
    io.write(`${fingerprint} ${named}${recipient}\n`);
  }
  return EXIT.ok;
}

/** `members`: list, add or remove the vault's members; `whoami`. */
export const members: Command = {
  usage:
    "members [add RECIPIENT|FILE --label NAME [--yes] | remove LABEL | whoami]",
  summary:
    "list the people and machines that open the vault with their own age or SSH key, or add or remove one",
  details: `
A member opens any copy of the vault with its own key: an age recipient
(age1…, or age1pq1… post-quantum) or an SSH public key (ssh-ed25519, or
ssh-rsa of 2048 bits or more). "add" takes one recipient, or a file of them
one a line (.age-recipients, authorized_keys); it shows each fingerprint and
asks at a terminal (--yes off one). A member opens the vault with
--identity FILE (its age identity file or OpenSSH private key, whose
passphrase is asked at a terminal; - for stdin), or SECRETS_IDENTITY_FILE when no slot of this copy opens it.
"remove" removes the member and its machines (LABEL/HOST), rotates the data
key and marks every secret it could read as exposed, which secrets status
lists until each has a new value. "whoami" prints your identity's
fingerprint.`,
  options: ["label", "yes"],
  operands: [0, 2],
  async run(context): Promise<number> {
    const { args, open, io } = context;
    const [action, operand] = args.operands;
    const { label, yes } = args.values;
    const extra = (label !== undefined && action !== "add") ||
      (yes && action !== "add");
    if (extra) throw new UsageError("--label and --yes go with members add");
    if (action === undefined) {
      await using vault = await open({ recover: true });
      listMembers(io, await vault.members());
      return EXIT.ok;
    }
    if (action === "add" && operand !== undefined) {
      return await add(context, operand);
    }
    if (action === "remove" && operand !== undefined) {
      await using vault = await open();
      return await remove(vault, io, operand);
    }
    if (action === "whoami" && operand === undefined) {
      return await whoami(context);
    }
    throw new UsageError(`usage: secrets ${members.usage}`);
  },
};
