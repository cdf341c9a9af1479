import { assertEquals } from "../../_assert.ts";
import { formatTable } from "../../../src/cli/terminal/table.ts";

Deno.test("formatTable pads columns to their widest cell and leaves no trailing spaces", () => {
  assertEquals(
    formatTable(["NAME", "KIND", ""], [["a.very.long.name", "bytes", "x"], [
      "é",
      "text",
      "",
    ]]),
    "NAME              KIND\na.very.long.name  bytes  x\né                 text\n",
  );
});
