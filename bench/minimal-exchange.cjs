// The least any Node.js program can do for a step's exchange, as a yardstick for
// bench/cli-start.mjs: one AssumeRoleWithWebIdentity POST with node:http, the credentials cut out
// of the answer with regular expressions, printed as JSON. No flags, no checks, no errors
// explained, no proxy, no retry: not a client anyone should use, only the floor under one.
// Usage: node bench/minimal-exchange.cjs ENDPOINT_URL ROLE_ARN TOKEN_FILE
const { request } = require("node:http");
const { readFileSync } = require("node:fs");

const [endpoint, roleArn, tokenFile] = process.argv.slice(2);
const token = readFileSync(tokenFile, "utf8").trim();
const body = `Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=${encodeURIComponent(roleArn)}&RoleSessionName=bench&WebIdentityToken=${encodeURIComponent(token)}`;
const req = request(
  endpoint,
  {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "content-length": Buffer.byteLength(body),
    },
  },
  (res) => {
    let text = "";
    res.setEncoding("utf8");
    res.on("data", (d) => {
      text += d;
    });
    res.on("end", () => {
      const field = (name) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1];
      const out = {};
      for (const k of ["AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"]) {
        out[k] = field(k);
      }
      process.stdout.write(`${JSON.stringify(out)}\n`);
      if (res.statusCode !== 200) process.exitCode = 1;
    });
  },
);
req.end(body);
