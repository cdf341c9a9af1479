import { assertEquals, assertThrows } from "../../_assert.ts";
import { ValidationError } from "../../../src/errors.ts";
import {
  toEnvName,
  toEnvNames,
} from "../../../src/cli/environment/env_name.ts";

Deno.test("names map to upper snake case by the documented rule", () => {
  const cases: [string, string][] = [
    ["openai.apiKey", "OPENAI_API_KEY"],
    ["db.password", "DB_PASSWORD"],
    ["HTTPServer.url", "HTTP_SERVER_URL"],
    ["aws.s3Bucket", "AWS_S3_BUCKET"],
    ["stripe-live.key", "STRIPE_LIVE_KEY"],
    ["..weird..name..", "WEIRD_NAME"],
    ["2fa.secret", "_2FA_SECRET"],
    ["ALREADY_ENV", "ALREADY_ENV"],
    ["ünïcode.key", "N_CODE_KEY"],
  ];
  for (const [name, env] of cases) assertEquals(toEnvName(name), env, name);
});

Deno.test("a name with nothing to keep is a ValidationError", () => {
  assertThrows(() => toEnvName("..."), ValidationError);
});

Deno.test("collisions name both secrets", () => {
  assertThrows(
    () => toEnvNames(["openai.apiKey", "openai.api_key"]),
    (error: unknown) =>
      error instanceof ValidationError &&
      error.message.includes('"openai.apiKey"') &&
      error.message.includes('"openai.api_key"'),
  );
  assertEquals(toEnvNames(["a.b", "c"]), new Map([["a.b", "A_B"], ["c", "C"]]));
});
