import { assertEquals } from "../_assert.ts";
import { formatTable } from "../../src/cli/table.ts";

Deno.test("formatTable pads every column but the last to its widest cell", () => {
  assertEquals(
    formatTable(["NAME", "KIND", ""], [["a.very.long.name", "bytes", "x"], [
      "é",
      "text",
      "",
    ]]),
    "NAME              KIND   \na.very.long.name  bytes  x\né                 text   \n",
  );
});
