import { assert, assertEquals } from "../../_assert.ts";
import {
  formatDotenv,
  literalWarning,
  parseDotenv,
} from "../../../src/cli/environment/dotenv.ts";

const pairs = (text: string) =>
  parseDotenv(text).entries.map(({ key, value }) => [key, value]);

Deno.test("plain, exported, commented and quoted values", () => {
  assertEquals(
    pairs(
      [
        "# comment",
        "",
        "A=1",
        "export B = two ",
        "C=with # comment",
        "D=no#comment",
        'E="double \\"q\\" \\n \\t \\\\"',
        "F='single \\n'",
        "G=`back`",
        "H=",
        "I.J-K=dots",
      ].join("\r\n"),
    ),
    [
      ["A", "1"],
      ["B", "two"],
      ["C", "with"],
      ["D", "no#comment"],
      ["E", 'double "q" \n \t \\'],
      ["F", "single \\n"],
      ["G", "back"],
      ["H", ""],
      ["I.J-K", "dots"],
    ],
  );
});

Deno.test("quoted values may span lines, and keep their line numbers", () => {
  const { entries, errors } = parseDotenv('A="one\ntwo"\nB=3\n');
  assertEquals(errors, []);
  assertEquals(entries, [
    { key: "A", value: "one\ntwo", line: 1 },
    { key: "B", value: "3", line: 3 },
  ]);
});

Deno.test("malformed lines are reported with their numbers", () => {
  const { errors } = parseDotenv(
    'OK=1\njust text\n=nokey\n9LIVES=x\nQ="a" trailing\nU="unterminated\n',
  );
  assertEquals(errors.map((e) => e.line), [2, 3, 4, 5, 6]);
  for (const { message } of errors) {
    assertEquals(/unterminated|trailing|LIVES/.test(message), false, message);
  }
});

Deno.test("formatDotenv round-trips any value", () => {
  const entries: [string, string][] = [
    ["A", 'quote " back \\ newline \n cr \r # hash'],
    ["B", "'single'"],
  ];
  assertEquals(pairs(formatDotenv(entries)), entries);
});

// A CRLF file kept \r\n inside quoted values, and a lone
// CR joined two assignments into one value without a word.
Deno.test("CRLF and lone-CR line ends end lines; a multi-line value keeps LF alone", () => {
  const crlf = parseDotenv('A="one\r\ntwo"\r\nB=plain\r\n');
  assertEquals(crlf.errors, []);
  assertEquals(
    crlf.entries.map(({ key, value }) => [key, value]),
    [["A", "one\ntwo"], ["B", "plain"]],
  );
  const mac = parseDotenv("a=b\rc=d\r");
  assertEquals(
    mac.entries.map(({ key, value }) => [key, value]),
    [["a", "b"], ["c", "d"]],
  );
  const mixed = parseDotenv("a=b\rc=d\nE=f\n");
  assertEquals(mixed.errors.map((e) => e.line), [1]);
  assert(/carriage return/.test(mixed.errors[0].message));
  assertEquals(
    parseDotenv('A="tab\\there\\r"').entries[0].value,
    "tab\there\r",
  );
});

Deno.test("${VAR} is kept as written, and the lines that hold it are reported once", () => {
  const { entries, literal } = parseDotenv(
    "A=${HOME}/x\nB='${KEPT}'\nC=\"${D}\"\nE=plain\n",
  );
  assertEquals(entries[0].value, "${HOME}/x");
  assertEquals(literal, [1, 3], "single quotes are literal on purpose");
  assertEquals(literalWarning(".env", []), null);
  assert(literalWarning(".env", literal)?.includes("line 1, 3"));
});

Deno.test("a backslash-escaped quote in single quotes is refused with how to write it", () => {
  const { errors } = parseDotenv("A='b\\'c'\n");
  assertEquals(errors.length, 1);
  assert(errors[0].message.includes(`'b'\\''c'`), errors[0].message);
  assertEquals(parseDotenv("A='b'\\''c'\n").entries[0].value, "b'c");
});
