import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { editIniSections, upsertIniSection, writeProfile } from "../../src/cli/aws-files.js";
import {
  checkSessionName,
  defaultSessionName,
  resolveStsEndpoint,
  resolveToken,
} from "../../src/cli/pipeline-env.js";
import { renderCredentials, shellQuote } from "../../src/cli/render/credentials.js";

describe("AWS shared files", () => {
  it("updates one profile and keeps the others, their comments and unknown keys", () => {
    const before =
      "# mine\n[default]\naws_access_key_id = AKIAOLD\nregion = eu-west-1\n\n[profile other]\nregion = us-west-2\n";
    const after = upsertIniSection(before, "default", {
      aws_access_key_id: "ASIANEW",
      aws_session_token: "tok",
    });
    expect(after).toContain("# mine");
    expect(after).toContain("aws_access_key_id = ASIANEW");
    expect(after).not.toContain("AKIAOLD");
    expect(after).toContain("region = eu-west-1");
    expect(after).toContain("aws_session_token = tok");
    expect(after).toContain("[profile other]\nregion = us-west-2");
  });

  it("appends a new section and writes the file with mode 0600", () => {
    const dir = mkdtempSync(join(tmpdir(), "bb-oidc-ini-"));
    const path = join(dir, "credentials");
    writeFileSync(path, "[keep]\nx = 1\n");
    writeProfile(path, "credentials", "deploy", { aws_access_key_id: "ASIA1" });
    expect(readFileSync(path, "utf8")).toBe(
      "[keep]\nx = 1\n\n[deploy]\naws_access_key_id = ASIA1\n",
    );
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it("keeps every other profile byte for byte: CRLF, odd spacing, blank runs, no final newline", () => {
    const other = "[profile a]\r\nregion=eu-west-1 \r\n\r\n\r\n\r\n# note\r\n";
    const tail = "[profile z]\r\n  output = json";
    const before = `${other}[profile ci]\r\nsource_profile = a\r\nregion = us-west-2\r\n\r\n${tail}`;
    const after = editIniSections(
      before,
      ["profile ci"],
      { role_arn: "arn:aws:iam::111111111111:role/r" },
      ["source_profile"],
    );
    expect(after).toBe(
      `${other}[profile ci]\r\nregion = us-west-2\r\nrole_arn = arn:aws:iam::111111111111:role/r\r\n\r\n${tail}`,
    );
  });

  it("a profile that becomes a web identity loses every key an SDK could prefer, in both files", () => {
    const dir = mkdtempSync(join(tmpdir(), "bb-oidc-ini-"));
    const config = join(dir, "config");
    const credentials = join(dir, "credentials");
    writeFileSync(
      config,
      "[profile ci]\ncredential_process = /bin/old\nsource_profile = base\nregion = eu-west-1\n\n[profile base]\naws_access_key_id = AKIAKEEP\n",
    );
    writeFileSync(
      credentials,
      "[ci]\naws_access_key_id = AKIASTALE\naws_secret_access_key = s\n\n[other]\nx = 1\n",
    );
    expect(
      writeProfile(config, "config", "ci", { role_arn: "arn:r", web_identity_token_file: "/t" }),
    ).toEqual(["source_profile", "credential_process"]);
    expect(writeProfile(credentials, "credentials", "ci", {})).toEqual([
      "aws_access_key_id",
      "aws_secret_access_key",
    ]);
    expect(readFileSync(config, "utf8")).toBe(
      "[profile ci]\nregion = eu-west-1\nrole_arn = arn:r\nweb_identity_token_file = /t\n\n[profile base]\naws_access_key_id = AKIAKEEP\n",
    );
    // The emptied section goes; the other stays as it was.
    expect(readFileSync(credentials, "utf8")).toBe("[other]\nx = 1\n");
  });
});

describe("credential output formats", () => {
  const c = {
    accessKeyId: "ASIAEXAMPLEEXAMPLE01",
    secretAccessKey: "se'cret/with+chars",
    sessionToken: "token$(rm -rf)",
    expiration: new Date("2026-01-01T01:00:00Z"),
  };
  it("env output survives eval: values are single-quoted", () => {
    const out = renderCredentials("env", c, { region: "eu-west-1", assumedRoleArn: "arn" });
    expect(out).toContain(`export AWS_SECRET_ACCESS_KEY='se'\\''cret/with+chars'`);
    expect(out).toContain(`export AWS_SESSION_TOKEN='token$(rm -rf)'`);
    expect(shellQuote("a'b")).toBe(`'a'\\''b'`);
  });
  it("credential-process output is the AWS CLI's version 1 shape", () => {
    const out = JSON.parse(
      renderCredentials("credential-process", c, { region: "r", assumedRoleArn: "a" }),
    );
    expect(out).toEqual({
      Version: 1,
      AccessKeyId: c.accessKeyId,
      SecretAccessKey: c.secretAccessKey,
      SessionToken: c.sessionToken,
      Expiration: "2026-01-01T01:00:00.000Z",
    });
  });
});

describe("pipeline environment", () => {
  it("builds a session name from the pipeline's variables within STS's rules", () => {
    const name = defaultSessionName(
      {
        BITBUCKET_REPO_SLUG: "web app/π",
        BITBUCKET_BUILD_NUMBER: "42",
        BITBUCKET_STEP_UUID: "{1a2b3c4d-0000-4000-8000-000000000000}",
      },
      0,
    );
    expect(name).toBe("bb-web-app-42-1a2b3c4d");
    expect(() => checkSessionName(name)).not.toThrow();
    const long = defaultSessionName({ BITBUCKET_REPO_SLUG: "x".repeat(200) }, 0);
    expect(long.length).toBe(64);
  });
  it("refuses an invalid user-given session name before any call", () => {
    expect(() => checkSessionName("has space")).toThrow(/not a valid role session name/);
    expect(() => checkSessionName("a")).toThrow();
  });
  it("explains the missing oidc flag when the token variable is empty", () => {
    expect(() => resolveToken(undefined, { BITBUCKET_STEP_OIDC_TOKEN: "" })).toThrow(
      /BITBUCKET_STEP_OIDC_TOKEN/,
    );
    try {
      resolveToken(undefined, {});
    } catch (e) {
      expect((e as { hint?: string }).hint).toContain("oidc: true");
    }
  });
  it("takes the STS endpoint as the SDKs do", () => {
    expect(
      resolveStsEndpoint(undefined, {
        AWS_ENDPOINT_URL: "http://a",
        AWS_ENDPOINT_URL_STS: "http://b",
      }),
    ).toBe("http://b");
    expect(resolveStsEndpoint("http://c", { AWS_ENDPOINT_URL_STS: "http://b" })).toBe("http://c");
    expect(resolveStsEndpoint(undefined, {})).toBeUndefined();
  });
});
