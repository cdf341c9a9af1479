/**
 * Known answers: fixed inputs and the fixed bytes they must give, for every
 * label, MAC encoding, additional data and printed format that vaults,
 * printed keys and backups users already hold depend on. A change to any
 * of them that passed the other tests would lock users out of what they
 * hold; here it fails. (Encryptions use fresh IVs, so they are pinned by
 * decrypting fixed ciphertexts.) The values were computed once, by the
 * code that introduced them; they never change.
 *
 * @module
 */

import { assertEquals } from "./_assert.ts";
import { decodeBase64 } from "../src/base64.ts";
import { deriveSubKeys, hmacText, keyCheck } from "../src/crypto.ts";
import { checkDocument } from "../src/rules/document.ts";
import {
  formatRecoveryKey,
  parseRecoveryKey,
} from "../src/keys/recovery_key.ts";
import { deriveSlotKek, parseSlot, unwrapSlot } from "../src/keys/slot.ts";
import { encodeIntegrity } from "../src/storage/accumulator.ts";
import {
  annotationMac,
  destroyedMac,
  historyLimitMac,
  historyMac,
  rowMac,
  slotMac,
} from "../src/storage/macs.ts";
import { NAME_CELL, openCell } from "../src/storage/rows.ts";
import { decryptAge } from "../src/age/age.ts";
import { openAnnotation } from "../src/storage/rows.ts";
import type { ExportDocument } from "../src/types.ts";

const hex = (bytes: Uint8Array | null) =>
  bytes === null
    ? "null"
    : Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const fromHex = (text: string) =>
  Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16));

const DEK = Uint8Array.from({ length: 32 }, (_, i) => i);
const keys = deriveSubKeys(DEK);
const ENTRY = {
  name_hash: "h1",
  name: new Uint8Array([1, 2, 3]),
  value: new Uint8Array([4, 5, 6]),
  kind: "text" as const,
  expires: null,
  version: 3,
  created: 1000,
  updated: 2000,
};
const VERSION = {
  name_hash: "h1",
  version: 2,
  value: new Uint8Array([7, 8]),
  kind: "bytes" as const,
  expires: 5000,
  updated: 3000,
};
const KEY_BYTES_IN = Uint8Array.from({ length: 20 }, (_, i) => i * 13 + 7);
const SLOT = {
  id: "0a1b2c3d",
  kind: "key",
  label: "recovery",
  created: 1700000000000,
  kdf: '{"name":"hkdf"}',
  salt: Uint8Array.from({ length: 32 }, (_, i) => 255 - i),
  factors: "[]",
  wrapped: fromHex(
    "b1592078e573a5213ac4706e90bc24e5c6e0f4d9721da65d0af5a2c08c63e769ef9b1657ccd730b1bd6077b072ab076c615f07c9faec4c5e8349f566",
  ),
};

Deno.test("each sub-key label derives its known key from a fixed data key", () => {
  assertEquals(
    Object.fromEntries(
      Object.entries(keys).map(([name, key]) => [name, hex(key)]),
    ),
    {
      value: "dd37b674c1c3bc23655e295e885cbc82da047f07183c8795597d42149791cea4",
      index: "5679c93ac9a637f217878ccb41d01f0d8458eec8e15a8f88ec7fb32a12079766",
      row: "f20fd09d7033a9f8dfca2b3f0b72fdf9ccacee0df2b0a87821386081c7b0acf6",
      tag: "e1c4fac0ddcc05e06f007dd697f29d1ecc81ab2d11afbde56be13b2c194fad1e",
      seal: "b3c792800b57132b059d72dd704c7ed1170769fe7cc1baf1a56bb9c0ebd64141",
      check: "28effcf4e55b75290ccd3090615b8230d4107305fdd03c9c1add2d7c4df8e8db",
    },
  );
  assertEquals(
    hex(keyCheck(keys)),
    "86f279fbe9d00c67f2c704f6b7b4bdd022ebd7227b8eecf96c57db9ed1515980",
  );
  assertEquals(
    hmacText(keys.index, "openai.apiKey"),
    "lA3K-ij6K4_r5b_tAnrHJYHtV67Fnx4iXowB__5ZwFA",
  );
});

Deno.test("the row, version, slot, setting and destroyed-marker MACs, and the accumulator record, are as pinned", () => {
  assertEquals(
    hex(rowMac(keys.row, ENTRY)),
    "74d834e696b4bb438330b354cf352d7b79ea1c020ff38990f9bd044ba15167df",
  );
  assertEquals(
    hex(historyMac(keys.row, VERSION)),
    "8b22921ebce2141f959f54fc7fde9dbf23b80fa3e2f3a434c0a217e610e56695",
  );
  assertEquals(
    hex(slotMac(keys.row, SLOT)),
    "1ee0f6065a9a07a17879a9bc5b2f76cfc8446ed64dbd5ca9409512d9208a5708",
  );
  assertEquals(
    hex(historyLimitMac(keys, 10)),
    "285c4f36e1302e70ba60f83ebb824ea55b5952b6b801163730c574d5ef97480e",
  );
  assertEquals(
    hex(destroyedMac(keys)),
    "a3153adf92891af5ae674c51a89c2dfa7f270738a8e789c01d79150e2323aa46",
  );
  assertEquals(
    hex(
      encodeIntegrity(keys.tag, { x: new Uint8Array(32).fill(0xab), count: 7 }),
    ),
    "abababababababababababababababababababababababababababababababab000000000000000733968d43bdfb069ff72f41701843ec60b5ebcd3a6fef8498dffcc5479cbe150e",
  );
});

Deno.test("a name cell and a value cell sealed by earlier code still open: their additional data is pinned", () => {
  const name = openCell(
    keys,
    NAME_CELL,
    "h1",
    fromHex(
      "3760fbc5084371a9746927a1c075246d5fca390909b6da1e18a9b090540c3a8b7cf83d6fe246e8948e",
    ),
  );
  assertEquals(new TextDecoder().decode(name), "openai.apiKey");
  const value = openCell(
    keys,
    { field: "value", version: 2, kind: "bytes" },
    "h1",
    fromHex("de3ec6ba39186c88d1cb9f77d2e214dd653758695f95143f75fe4046611ab4"),
  );
  assertEquals([...value], [9, 9, 9]);
});

Deno.test("a key slot wrapped by earlier code still unwraps: its KDF and additional data are pinned", async () => {
  const slot = parseSlot(SLOT);
  const kek = await deriveSlotKek(slot, KEY_BYTES_IN.slice());
  assertEquals(
    hex(kek),
    "81ebef7aebaa875eaa8df46904fc93a1208761c4e3cd911847730d17d7de60e7",
  );
  assertEquals(hex(unwrapSlot(slot, kek)), hex(DEK));
});

Deno.test("the printed recovery key of fixed bytes, with its check character", () => {
  assertEquals(
    formatRecoveryKey(KEY_BYTES_IN),
    "0WA22-BHV91-AP4VV-WH6BA-7C5XS-BBY9W-FYK",
  );
  assertEquals(
    parseRecoveryKey("0WA22-BHV91-AP4VV-WH6BA-7C5XS-BBY9W-FYK"),
    KEY_BYTES_IN,
  );
});

const DOCUMENT: ExportDocument = {
  "type": "@scope/secrets export",
  "version": 3,
  "exported": "2026-11-26T00:00:00.000Z",
  "entries": [
    {
      "name": "db.password",
      "kind": "text",
      "value": "third",
      "created": "2026-01-01T00:00:00.000Z",
      "updated": "2026-03-01T00:00:00.000Z",
      "expires": null,
      "version": 3,
      "versions": [
        {
          "version": 2,
          "kind": "text",
          "value": "second",
          "updated": "2026-02-01T00:00:00.000Z",
          "expires": null,
        },
      ],
    },
    {
      "name": "tls.der",
      "kind": "bytes",
      "value": "AP8=",
      "created": "2026-01-01T00:00:00.000Z",
      "updated": "2026-01-01T00:00:00.000Z",
      "expires": "2999-01-01T00:00:00.000Z",
    },
  ],
};

Deno.test("a version 3 export document reads as pinned", () => {
  const doc = checkDocument(JSON.parse(JSON.stringify(DOCUMENT)));
  assertEquals(doc, DOCUMENT);
  assertEquals(
    decodeBase64(doc.entries[1].value, "value"),
    new Uint8Array([0, 255]),
  );
});

Deno.test("an age backup written by earlier code decrypts to its document", async () => {
  const file = await Deno.readTextFile(
    new URL("./fixtures/backup-v3.age", import.meta.url),
  );
  assertEquals(
    await decryptAge(file, { passphrase: "known answer" }),
    DOCUMENT,
  );
});

Deno.test("an annotation sealed by the code that introduced it (format 5) still opens, and its MAC is as pinned", () => {
  const sealed = fromHex(
    "538f6d0a358275daf1b0a70d047b601c8e502f51c1ec9606da520b7b2e87603f6172cf30b9fb5fad7f592695c2b1cf4936444b460902fe76008c86f22afaa938607245864889ce92cdc421f1a4db59fdf9d95d9b07df00130801650b2e9cdab8eaba7eeaf53280520cfaba",
  );
  assertEquals(openAnnotation(keys, "h1", sealed), {
    note: "from the dashboard",
    tags: ["prod", "stripe"],
    rotateEvery: 7776000000,
  });
  assertEquals(
    hex(
      annotationMac(keys.row, {
        name_hash: "h1",
        sealed: new Uint8Array([1, 2, 3]),
      }),
    ),
    "2addd9a94a1d1e1713524aad4f279feb933a8f2913e32093344b8c1106fdca90",
  );
});

const ANNOTATED_DOCUMENT: ExportDocument = {
  "type": "@scope/secrets export",
  "version": 4,
  "exported": "2026-11-26T00:00:00.000Z",
  "entries": [
    {
      "name": "stripe.key",
      "kind": "text",
      "value": "sk_live_1",
      "created": "2026-01-01T00:00:00.000Z",
      "updated": "2026-02-01T00:00:00.000Z",
      "expires": null,
      "note": "from the dashboard",
      "tags": ["prod", "stripe"],
      "rotateEvery": 7776000000,
    },
  ],
};

Deno.test("a version 4 export document, with an annotation, reads as pinned", () => {
  assertEquals(
    checkDocument(JSON.parse(JSON.stringify(ANNOTATED_DOCUMENT))),
    ANNOTATED_DOCUMENT,
  );
});
