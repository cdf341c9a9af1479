/**
 * OpenSSH keys as age's SSH recipient types use them: a public key line
 * (`ssh-ed25519 AAAA… comment`, as in `authorized_keys`, options allowed)
 * and a private key (`-----BEGIN OPENSSH PRIVATE KEY-----`, decrypted with
 * its passphrase when it has one), read into what the stanzas need. Only Ed25519 and RSA of at least 2048
 * bits are accepted; anything else is a {@linkcode ValidationError} that
 * says what is accepted. Key bytes never appear in a message.
 *
 * @module
 */

import { createHash, createPrivateKey, createPublicKey } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { decodeBase64, encodeBase64, encodeHex } from "../base64.ts";
import { KeyMismatchError, ValidationError } from "../errors.ts";
import { decryptPrivateBlock } from "./ssh_cipher.ts";

/** The SSH key types age defines recipients for. */
export type SshKeyType = "ssh-ed25519" | "ssh-rsa";

/** The smallest RSA modulus accepted, in bits. */
export const MIN_RSA_BITS = 2048;

const ED25519_BYTES = 32;
const PRIVATE_MAGIC = "openssh-key-v1\0";
const PEM_BEGIN = "-----BEGIN OPENSSH PRIVATE KEY-----";
const PEM_END = "-----END OPENSSH PRIVATE KEY-----";
const TYPES: readonly SshKeyType[] = ["ssh-ed25519", "ssh-rsa"];
const decoder = new TextDecoder();

/** An SSH public key: its type, its wire encoding and what it holds. */
export interface SshPublicKey {
  /** `ssh-ed25519` or `ssh-rsa`. */
  type: SshKeyType;
  /** The key in SSH wire format: what fingerprints and tags hash. */
  wire: Uint8Array;
  /** The Ed25519 point, for `ssh-ed25519`. */
  ed25519?: Uint8Array;
  /** The RSA key, for `ssh-rsa`. */
  rsa?: KeyObject;
}

/** An SSH private key, with its public half. */
export interface SshPrivateKey {
  /** The public half. */
  publicKey: SshPublicKey;
  /** The 32-byte Ed25519 seed, for `ssh-ed25519`. */
  seed?: Uint8Array;
  /** The RSA private key, for `ssh-rsa`. */
  rsa?: KeyObject;
}

/** Reads the length-prefixed fields of the SSH wire format. */
class WireReader {
  #at = 0;
  constructor(readonly bytes: Uint8Array, readonly what: string) {}

  uint32(): number {
    if (this.#at + 4 > this.bytes.length) throw this.#malformed();
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset);
    const value = view.getUint32(this.#at);
    this.#at += 4;
    return value;
  }

  string(): Uint8Array {
    const length = this.uint32();
    if (this.#at + length > this.bytes.length) throw this.#malformed();
    const field = this.bytes.subarray(this.#at, this.#at + length);
    this.#at += length;
    return field;
  }

  text(): string {
    return decoder.decode(this.string());
  }

  get done(): boolean {
    return this.#at === this.bytes.length;
  }

  /** What is left after the fields read so far. */
  rest(): Uint8Array {
    return this.bytes.subarray(this.#at);
  }

  #malformed(): ValidationError {
    return new ValidationError(`${this.what} is malformed`);
  }
}

/** An SSH mpint as JWK wants it: base64url, no padding, no leading zero. */
function base64Url(bytes: Uint8Array): string {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return encodeBase64(bytes.subarray(start))
    .replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function unsupported(type: string): ValidationError {
  return new ValidationError(
    `SSH keys of type ${
      JSON.stringify(type.slice(0, 40))
    } are not supported: use ssh-ed25519, or ssh-rsa of at least ${MIN_RSA_BITS} bits`,
  );
}

function rsaPublic(n: Uint8Array, e: Uint8Array): KeyObject {
  const key = createPublicKey({
    key: { kty: "RSA", n: base64Url(n), e: base64Url(e) },
    format: "jwk",
  });
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS) {
    throw new ValidationError(
      `this ssh-rsa key has ${bits} bits: keys under ${MIN_RSA_BITS} bits are refused`,
    );
  }
  return key;
}

/** Reads an SSH public key from its wire encoding. */
export function parseSshWire(wire: Uint8Array): SshPublicKey {
  const reader = new WireReader(wire, "the SSH public key");
  const type = reader.text();
  if (type === "ssh-ed25519") {
    const point = reader.string();
    if (point.length !== ED25519_BYTES || !reader.done) {
      throw new ValidationError("the ssh-ed25519 public key is malformed");
    }
    return { type, wire, ed25519: point.slice() };
  }
  if (type === "ssh-rsa") {
    const e = reader.string();
    const n = reader.string();
    if (!reader.done) {
      throw new ValidationError("the ssh-rsa public key is malformed");
    }
    return { type, wire, rsa: rsaPublic(n, e) };
  }
  throw unsupported(type);
}

/**
 * Whether `line` holds an SSH public key: `TYPE BASE64 [comment]`, after
 * any `authorized_keys` options.
 */
export function sshKeyFields(line: string): [string, string] | null {
  const fields = line.trim().split(/\s+/);
  const at = fields.findIndex((field) =>
    field.startsWith("ssh-") || field.startsWith("ecdsa-") ||
    field.startsWith("sk-")
  );
  if (at === -1 || at + 1 >= fields.length) return null;
  return [fields[at], fields[at + 1]];
}

/**
 * Reads an OpenSSH public key line (`ssh-ed25519 AAAA… comment`); a type
 * other than Ed25519 or RSA, RSA under 2048 bits, or a line whose type and
 * encoded key disagree, is a {@linkcode ValidationError}.
 */
export function parseSshPublicKey(line: string): SshPublicKey {
  const fields = sshKeyFields(line);
  if (fields === null) {
    throw new ValidationError("this is not an SSH public key line");
  }
  const [type, body] = fields;
  if (!TYPES.some((known) => known === type)) throw unsupported(type);
  const key = parseSshWire(decodeBase64(body, "the SSH public key"));
  if (key.type !== type) {
    throw new ValidationError("the SSH public key's type and key disagree");
  }
  return key;
}

/**
 * `SHA256:` and the unpadded base64 of the SHA-256 of `bytes`: OpenSSH's
 * fingerprint form, which age recipients take too (over their text).
 */
export function sha256Fingerprint(bytes: Uint8Array | string): string {
  const digest = createHash("sha256").update(bytes).digest("base64");
  return `SHA256:${digest.replace(/=+$/, "")}`;
}

/** The key's OpenSSH fingerprint, as `ssh-keygen -l` prints it. */
export function sshFingerprint(key: SshPublicKey): string {
  return sha256Fingerprint(key.wire);
}

/** The canonical public key line of `key`: `TYPE BASE64`. */
export function sshPublicLine(key: SshPublicKey): string {
  return `${key.type} ${encodeBase64(key.wire)}`;
}

/** Whether `text` is an OpenSSH private key file. */
export function isSshPrivateKey(text: string): boolean {
  return text.trimStart().startsWith(PEM_BEGIN);
}

function privateBody(text: string): Uint8Array {
  const start = text.indexOf(PEM_BEGIN);
  const end = text.indexOf(PEM_END);
  if (start === -1 || end < start) {
    throw new ValidationError("the OpenSSH private key is malformed");
  }
  const body = text.slice(start + PEM_BEGIN.length, end).replace(/\s+/g, "");
  return decodeBase64(body, "the OpenSSH private key");
}

function rsaPrivate(reader: WireReader): KeyObject {
  const [n, e, d, qi, p, q] = Array.from({ length: 6 }, () => reader.string());
  const big = (bytes: Uint8Array) => BigInt(`0x${encodeHex(bytes) || "0"}`);
  const bytesOf = (value: bigint) => {
    const hex = value.toString(16);
    const padded = hex.length % 2 === 0 ? hex : `0${hex}`;
    return Uint8Array.from(padded.match(/../g) ?? [], (h) => parseInt(h, 16));
  };
  const [dp, dq] = [p, q].map((prime) => bytesOf(big(d) % (big(prime) - 1n)));
  return createPrivateKey({
    key: {
      kty: "RSA",
      ...Object.fromEntries(
        Object.entries({ n, e, d, p, q, dp, dq, qi })
          .map(([name, value]) => [name, base64Url(value)]),
      ),
    },
    format: "jwk",
  });
}

/** An OpenSSH private key file, read but its private block not yet opened. */
interface KeyFile {
  cipher: string;
  kdf: string;
  kdfOptions: Uint8Array;
  publicKey: SshPublicKey;
  block: Uint8Array;
  /** What follows the block: an AEAD cipher's tag. */
  trailer: Uint8Array;
}

function readKeyFile(text: string): KeyFile {
  const reader = new WireReader(privateBody(text), "the OpenSSH private key");
  const magic = reader.bytes.subarray(0, PRIVATE_MAGIC.length);
  if (decoder.decode(magic) !== PRIVATE_MAGIC) {
    throw new ValidationError("the OpenSSH private key is malformed");
  }
  const body = new WireReader(
    reader.bytes.subarray(PRIVATE_MAGIC.length),
    "the OpenSSH private key",
  );
  const cipher = body.text();
  const kdf = body.text();
  const kdfOptions = body.string();
  if (body.uint32() !== 1) {
    throw new ValidationError("the OpenSSH private key file must hold one key");
  }
  const publicKey = parseSshWire(body.string().slice());
  const block = body.string();
  return { cipher, kdf, kdfOptions, publicKey, block, trailer: body.rest() };
}

/** The key a decrypted (or plain) private block holds. */
function fromBlock(publicKey: SshPublicKey, bytes: Uint8Array): SshPrivateKey {
  const block = new WireReader(bytes, "the OpenSSH private key");
  if (block.uint32() !== block.uint32()) {
    throw new KeyMismatchError("the passphrase does not open this SSH key");
  }
  const type = block.text();
  if (type !== publicKey.type) {
    throw new ValidationError("the OpenSSH private key's halves disagree");
  }
  if (type === "ssh-ed25519") {
    block.string();
    const secret = block.string();
    if (secret.length !== 2 * ED25519_BYTES) {
      throw new ValidationError("the ssh-ed25519 private key is malformed");
    }
    return { publicKey, seed: secret.slice(0, ED25519_BYTES) };
  }
  return { publicKey, rsa: rsaPrivate(block) };
}

/** Whether `text` is an OpenSSH private key encrypted with a passphrase. */
export function isEncryptedSshKey(text: string): boolean {
  return isSshPrivateKey(text) && readKeyFile(text).cipher !== "none";
}

/**
 * Reads an unencrypted OpenSSH private key. An encrypted one is a
 * {@linkcode ValidationError} saying to give its passphrase (see
 * {@linkcode openSshPrivateKey}); so is a type other than Ed25519 or RSA of
 * 2048 bits or more.
 */
export function parseSshPrivateKey(text: string): SshPrivateKey {
  const file = readKeyFile(text);
  if (file.cipher !== "none") {
    throw new ValidationError(
      "this SSH private key is encrypted with a passphrase: give the passphrase with it, or use an unencrypted copy kept as safe as the key (ssh-keygen -p -N '' -f COPY), or an age identity",
    );
  }
  return fromBlock(file.publicKey, file.block);
}

/**
 * Reads an OpenSSH private key, decrypting it with `passphrase` when it is
 * encrypted (`bcrypt` KDF, AES: what `ssh-keygen` writes). A wrong
 * passphrase is a {@linkcode KeyMismatchError}.
 */
export async function openSshPrivateKey(
  text: string,
  passphrase: string,
): Promise<SshPrivateKey> {
  const file = readKeyFile(text);
  if (file.cipher === "none") return fromBlock(file.publicKey, file.block);
  if (file.kdf !== "bcrypt") {
    throw new ValidationError(
      `this SSH key's passphrase is stretched with ${
        JSON.stringify(file.kdf.slice(0, 40))
      }, which this version does not read`,
    );
  }
  const options = new WireReader(file.kdfOptions, "the SSH key's KDF options");
  const salt = options.string().slice();
  const rounds = options.uint32();
  const plain = await decryptPrivateBlock(
    file.cipher,
    { salt, rounds },
    passphrase,
    file,
  );
  try {
    return fromBlock(file.publicKey, plain);
  } finally {
    plain.fill(0);
  }
}
