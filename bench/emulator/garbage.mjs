// The hostile client of bench/emulator-hostile.mjs, its own process (fork with IPC): one
// connection at a time, sending garbage and oversized requests back to back until told to stop.
//
// Messages in:  { id, cmd: "start", awsUrl, bitbucketUrl, ca, only? }   (answers at once;
//               `only` names the kinds to send, for measuring one at a time)
//               { id, cmd: "stop" }   (answers with what was sent and how it was answered)
//               { id, cmd: "exit" }
import http from "node:http";
import https from "node:https";
import net from "node:net";

const WEB_IDENTITY =
  "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111111111111%3Arole%2Fbench-deploy&RoleSessionName=junk";

/** Each kind: how to send it. All are answered with a 4xx (or a closed connection for raw bytes). */
function kinds(awsUrl, bitbucketUrl, ca) {
  const aws = new URL(awsUrl);
  const bb = new URL(bitbucketUrl);
  const awsAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const bbAgent = new https.Agent({ keepAlive: true, maxSockets: 1, ca, servername: "localhost" });
  const post = (mod, agent, url, path, headers, body) =>
    new Promise((resolve) => {
      const req = mod.request(
        { agent, host: url.hostname, port: url.port, method: "POST", path, headers },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode));
          res.on("error", () => resolve("error"));
        },
      );
      req.on("error", () => resolve("error"));
      req.setTimeout(20_000, () => req.destroy());
      req.end(body);
    });
  const awsPost = (body, headers = {}, path = "/") =>
    post(
      http,
      awsAgent,
      aws,
      path,
      { "content-type": "application/x-www-form-urlencoded", ...headers },
      body,
    );
  const raw = (bytes) =>
    new Promise((resolve) => {
      // Written, not ended: a client that half-closes never reads the answer anyway.
      const s = net.connect(Number(aws.port), aws.hostname, () => s.write(bytes));
      s.setTimeout(5_000, () => s.destroy());
      let got = "";
      s.on("data", (d) => {
        got += d.toString("latin1");
      });
      s.on("close", () => resolve(Number(got.slice(9, 12)) || "closed"));
      s.on("error", () => resolve("error"));
    });
  const members = Array.from(
    { length: 8000 },
    (_, i) => `PolicyArns.member.${i + 1}.arn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FP${i}`,
  ).join("&");
  const params = Array.from({ length: 10_001 }, (_, i) => `p${i}=v`).join("&");
  const deep = "[".repeat(30_000);
  const twoMiB = Buffer.alloc(2 * 1024 * 1024, 0x61);
  return {
    "not HTTP": () => raw("HELLO THERE\r\n\r\n"),
    "20 KB header": () => awsPost(WEB_IDENTITY, { "x-padding": "a".repeat(20_000) }),
    "2 MiB body": () => awsPost(twoMiB),
    "8,000 PolicyArns": () => awsPost(`${WEB_IDENTITY}&WebIdentityToken=abcd&${members}`),
    "10,001 parameters": () => awsPost(`${WEB_IDENTITY}&${params}`),
    "// target": () => awsPost(`${WEB_IDENTITY}&WebIdentityToken=abcd`, {}, "//"),
    "garbage token": () => awsPost(`${WEB_IDENTITY}&WebIdentityToken=not.a.token`),
    "deep JSON (faults)": () =>
      awsPost(deep, { "content-type": "application/json" }, "/_emulator/faults"),
    "deep JSON (mint)": () =>
      post(https, bbAgent, bb, "/_emulator/mint", { "content-type": "application/json" }, deep),
    close() {
      awsAgent.destroy();
      bbAgent.destroy();
    },
  };
}

let running;

async function loop(state) {
  const { close, ...all } = kinds(state.awsUrl, state.bitbucketUrl, state.ca);
  const list = Object.entries(all).filter(([name]) => !state.only || state.only.includes(name));
  for (let i = 0; !state.stop; i++) {
    const [name, send] = list[i % list.length];
    const status = await send();
    state.sent[name] ??= { sent: 0, statuses: {} };
    const k = state.sent[name];
    k.sent++;
    k.statuses[status] = (k.statuses[status] ?? 0) + 1;
  }
  close();
}

process.on("message", async (msg) => {
  try {
    if (msg.cmd === "exit") {
      process.disconnect();
      return;
    }
    if (msg.cmd === "start") {
      running = { ...msg, stop: false, sent: {}, started: performance.now() };
      running.done = loop(running);
      process.send({ id: msg.id, ok: true, result: null });
      return;
    }
    if (msg.cmd === "stop") {
      running.stop = true;
      await running.done;
      const elapsedMs = performance.now() - running.started;
      process.send({ id: msg.id, ok: true, result: { sent: running.sent, elapsedMs } });
      return;
    }
    throw new Error(`unknown command ${msg.cmd}`);
  } catch (err) {
    process.send({ id: msg.id, ok: false, error: err?.stack ?? String(err) });
  }
});
