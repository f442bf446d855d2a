import { describe, expect, test } from "vitest";
import { plan, underCi } from "../../support/real-clients.js";

describe("tests that need real clients", () => {
  test("run when the clients are there, CI or not", () => {
    expect(plan(["aws", "boto3"], { CI: "true" }, () => true)).toBe("run");
    expect(plan(["aws"], {}, () => true)).toBe("run");
  });

  test("skip on a laptop without them, fail under CI", () => {
    const noBoto = (c: string) => c !== "boto3";
    expect(plan(["aws", "boto3"], {}, noBoto)).toBe("skip");
    expect(plan(["aws", "boto3"], { CI: "true" }, noBoto)).toBe("fail");
    expect(plan(["aws", "boto3"], { CI: "1" }, noBoto)).toBe("fail");
    expect(plan(["aws", "boto3"], { CI: "false" }, noBoto)).toBe("skip");
  });

  test("CI is read as CI systems set it", () => {
    expect(underCi({ CI: "true" })).toBe(true);
    expect(underCi({ CI: "TRUE" })).toBe(true);
    expect(underCi({ CI: "1" })).toBe(true);
    expect(underCi({ CI: "" })).toBe(false);
    expect(underCi({ CI: "0" })).toBe(false);
    expect(underCi({})).toBe(false);
  });
});
