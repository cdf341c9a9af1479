/**
 * The shapes the public API takes and gives back, besides its classes and
 * errors: what a caller reads first on the package's page. The modules that
 * work on them import them from here, and mod.ts re-exports them.
 *
 * @module
 */

/** The default locations a vault can live in. */
export type Location = "home" | "xdg";

/** How to find the vault; `path` wins over `location`. */
export interface LocationOptions {
  /** The vault directory. Needs no `--allow-env`. */
  path?: string;
  /**
   * `"home"`: `~/.secrets-engine`. `"xdg"`: `$XDG_CONFIG_HOME/secrets-engine`
   * (`~/.config/secrets-engine` when unset). When neither this nor `path` is
   * given: `"xdg"` if `XDG_CONFIG_HOME` is set, else `"home"`.
   */
  location?: Location;
}

/** A fact about the machine that a vault can be bound to. */
export type BindingFactor = "hostname" | "mac" | "user";

/**
 * What a key slot's secret is: the keyfile, a passphrase or a generated
 * key (slots of this copy of the vault), or a member's own age or SSH key
 * (slots the team shares).
 */
export type SlotKind = "machine" | "passphrase" | "key" | "member";

/** The kind of key a member opens the vault with. */
export type MemberKind =
  | "x25519"
  | "mlkem768x25519"
  | "ssh-ed25519"
  | "ssh-rsa";

/** A key slot, as {@linkcode SecretsEngine.slots} describes it. */
export interface SlotInfo {
  /** The slot's id: what {@linkcode SecretsEngine.removeSlot} takes. */
  id: string;
  /** What opens it: the keyfile, a passphrase or a generated key. */
  kind: SlotKind;
  /** The label it was given, or `""`. */
  label: string;
  /** When it was added. */
  created: Date;
  /** For a machine slot, the binding factors besides the keyfile. */
  factors?: BindingFactor[];
  /** For a member slot, its key's fingerprint. */
  fingerprint?: string;
}

/** A member of a vault, as {@linkcode SecretsEngine.members} lists it. */
export interface MemberInfo {
  /** The member slot's id. */
  id: string;
  /** Who or what it is: what {@linkcode SecretsEngine.removeMember} takes. */
  label: string;
  /** The kind of key. */
  kind: MemberKind;
  /** The public key: an age recipient, or an SSH key line without comment. */
  recipient: string;
  /** The key's fingerprint, `SHA256:…` (`ssh-keygen -l`'s for SSH keys). */
  fingerprint: string;
  /** When it was added. */
  added: Date;
  /** The id of the slot that opened the vault when it was added. */
  addedBy: string;
}

/**
 * A secret that opens a passphrase or key slot, or a member's identity
 * (the text of an age identity file or of an OpenSSH private key, with the
 * key's passphrase when it has one) that opens its member slot, for
 * {@linkcode SecretsEngine.open}'s `unlock`.
 */
export type Unlock =
  | { passphrase: string }
  | { key: string }
  | { identity: string; passphrase?: string };

/** What a value is: text (UTF-8) or arbitrary bytes. */
export type ValueKind = "text" | "bytes";

/** A secret's value: a string is stored as text, a `Uint8Array` as bytes. */
export type SecretValue = string | Uint8Array;

/** Secrets to write at once: a record, or name/value pairs. */
export type SecretEntries =
  | Record<string, SecretValue>
  | Iterable<readonly [string, SecretValue]>;

/** When a value stops being valid: what a revert may give. */
export interface ExpiryOptions {
  /**
   * When the value expires: a `Date` or milliseconds since the epoch, in
   * the future. Not with `ttlMs`.
   */
  expiresAt?: Date | number;
  /**
   * How long the value stays valid from now, in whole milliseconds
   * greater than 0. Not with `expiresAt`.
   */
  ttlMs?: number;
}

/** A secret's annotation, as {@linkcode SecretsEngine.getEntry} returns it. */
export interface Annotation {
  /** Free text: where the secret comes from, how to rotate it. */
  note: string | null;
  /** Short labels (`prod`, `stripe`), sorted, each once. */
  tags: string[];
  /**
   * How long a value may stay before it is due for rotation, in
   * milliseconds; `null` for no policy.
   */
  rotateEvery: number | null;
}

/**
 * A change to an annotation: each field given replaces the stored one,
 * `null` clears it, and a field left out stays as it is.
 */
export interface AnnotationChange {
  /** The note, at most {@linkcode MAX_NOTE_BYTES} UTF-8 bytes; `null` clears it. */
  note?: string | null;
  /**
   * The tags, at most {@linkcode MAX_TAGS}, each 1 to
   * {@linkcode MAX_TAG_LENGTH} letters, digits, `.`, `_`, `:` or `-`,
   * starting with a letter or digit; `null` or `[]` clears them.
   */
  tags?: readonly string[] | null;
  /**
   * The rotation period in whole milliseconds, from one second to 100
   * years; `null` clears it.
   */
  rotateEvery?: number | null;
}

/**
 * Options of a write: when the value stops being valid, changes to the
 * secret's note, tags and rotation policy (see {@linkcode AnnotationChange};
 * those left out stay as they are), and whether a secret the vault
 * already holds may be replaced.
 */
export interface SetOptions extends ExpiryOptions, AnnotationChange {
  /**
   * `false`: a name the vault already holds (expired ones too) is a
   * `ValidationError` that lists them all, and nothing is written. Default
   * `true`.
   */
  overwrite?: boolean;
}

/** One earlier version of a secret in an {@linkcode ExportedEntry}. */
export interface ExportedVersion {
  /** Its version number. */
  version: number;
  /** What the value is: text, or bytes written as base64. */
  kind: ValueKind;
  /** The value: the text, or the bytes as padded standard base64. */
  value: string;
  /** When it was written, as an ISO 8601 time. */
  updated: string;
  /** When it expires, as an ISO 8601 time; `null` if never. */
  expires: string | null;
}

/** One secret in an {@linkcode ExportDocument}. */
export interface ExportedEntry {
  /** The secret's name. */
  name: string;
  /** What the value is: text, or bytes written as base64. */
  kind: ValueKind;
  /** The value: the text, or the bytes as padded standard base64. */
  value: string;
  /** When the secret was first stored, as an ISO 8601 time. */
  created: string;
  /** When its value was last written, as an ISO 8601 time. */
  updated: string;
  /** When it expires, as an ISO 8601 time; absent or `null` if never. */
  expires?: string | null;
  /** The current value's version number (version 3 documents). */
  version?: number;
  /**
   * The earlier versions kept, newest first (version 3 documents): each
   * below `version` and below the one before it.
   */
  versions?: ExportedVersion[];
  /** The secret's note (version 4 documents). */
  note?: string | null;
  /** The secret's tags (version 4 documents). */
  tags?: string[];
  /**
   * How long a value may stay before it is due for rotation, in
   * milliseconds (version 4 documents).
   */
  rotateEvery?: number | null;
}

/** Secrets exported from a vault, as they travel inside a backup. */
export interface ExportDocument {
  /** What identifies the document among other JSON. */
  type: "@scope/secrets export";
  /** The document version. */
  version: number;
  /** When it was exported, as an ISO 8601 time. */
  exported: string;
  /** The secrets, sorted by name. */
  entries: ExportedEntry[];
}

/** What an export holds besides the live values. */
export interface ExportOptions {
  /** Each entry's version number and every earlier version kept. */
  history?: boolean;
  /** Expired secrets too, with the time they expired. */
  expired?: boolean;
}

/**
 * Told how far a long write has come: `done` of `total` entries. It is
 * called synchronously inside the write's transaction, so it must not call
 * the engine; a throw rolls the write back.
 */
export type ProgressListener = (done: number, total: number) => void;

/** Options of a bulk write that can report how far it has come. */
export interface ProgressOptions {
  /** Called as entries are written (see {@linkcode ProgressListener}). */
  onProgress?: ProgressListener;
}
