/**
 * The forms a secret value takes when it leaks: as it is, in base64 (standard
 * and URL-safe, at each of the three alignments a value can have inside a
 * longer base64 string, padded or not), in hex (lower and upper case),
 * percent-encoded, escaped in a JSON or JavaScript string, and single-quoted
 * as `secrets export` writes it. Each form is the bytes that appear in the
 * leaked text whatever surrounds the value.
 *
 * @module
 */

import { encodeBase64 } from "../../base64.ts";

/** One form of a value: its name, and the bytes to look for. */
export interface Encoded {
  /** `raw`, `base64`, `base64url`, `hex`, `HEX`, `percent`, `json`, `js`, `quoted`. */
  encoding: string;
  /** The bytes that appear where the value leaked in this form. */
  bytes: Uint8Array;
}

const encoder = new TextEncoder();

/**
 * The base64 characters of `value` at `alignment` (0 to 2 bytes before it
 * in its group of three) that do not depend on the bytes around it: those
 * two encodings with opposite fillers agree on.
 */
function stableBase64(value: Uint8Array, alignment: number): string {
  const tail = (3 - (alignment + value.length) % 3) % 3;
  const around = (fill: number) => {
    const bytes = new Uint8Array(alignment + value.length + tail).fill(fill);
    bytes.set(value, alignment);
    return encodeBase64(bytes);
  };
  const low = around(0x00);
  const high = around(0xff);
  let start = 0;
  while (start < low.length && low[start] !== high[start]) start++;
  let end = low.length;
  while (end > start && low[end - 1] !== high[end - 1]) end--;
  return low.slice(start, end);
}

function hex(value: Uint8Array): string {
  return Array.from(value, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A text value's escaped forms, each only when it differs from the text. */
function textForms(text: string): [string, string][] {
  const json = JSON.stringify(text).slice(1, -1);
  const ascii = json.replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return [
    ["percent", encodeURIComponent(text)],
    ["json", json],
    ["json", ascii],
    ["js", ascii.replaceAll("'", "\\'")],
    ["quoted", text.replaceAll("'", "'\\''")],
  ];
}

/**
 * Every form of `value` (a string as UTF-8 text, or bytes) to look for,
 * each bytes string once, under the first encoding that gives it.
 *
 * @example The forms of a short token
 * ```ts
 * import { encodings } from "./encodings.ts";
 * import assert from "node:assert/strict";
 * const forms = encodings("tok'en-12");
 * const named = new Map(forms.map((f) => [f.encoding, new TextDecoder().decode(f.bytes)]));
 * assert.equal(named.get("raw"), "tok'en-12");
 * assert.equal(named.get("hex"), "746f6b27656e2d3132");
 * assert.equal(named.get("quoted"), "tok'\\''en-12");
 * ```
 */
export function encodings(value: string | Uint8Array): Encoded[] {
  const bytes = typeof value === "string"
    ? encoder.encode(value)
    : value.slice();
  const forms: [string, string | Uint8Array][] = [["raw", bytes]];
  const hexed = hex(bytes);
  forms.push(["hex", hexed], ["HEX", hexed.toUpperCase()]);
  for (let alignment = 0; alignment < 3; alignment++) {
    const standard = stableBase64(bytes, alignment);
    forms.push(["base64", standard]);
    forms.push([
      "base64url",
      standard.replaceAll("+", "-").replaceAll("/", "_"),
    ]);
  }
  if (typeof value === "string") forms.push(...textForms(value));
  const unique: Encoded[] = [];
  for (const [encoding, form] of forms) {
    const formBytes = typeof form === "string" ? encoder.encode(form) : form;
    const known = unique.some(({ bytes: other }) =>
      other.length === formBytes.length &&
      other.every((byte, i) => byte === formBytes[i])
    );
    if (formBytes.length > 0 && !known) {
      unique.push({ encoding, bytes: formBytes });
    }
  }
  return unique;
}
