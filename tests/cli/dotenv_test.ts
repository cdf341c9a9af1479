import { assertEquals } from "../_assert.ts";
import { formatDotenv, parseDotenv } from "../../src/cli/dotenv.ts";

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
