// The baseline for bench/emulator-sts.mjs: a bare node:http server in its own process that reads
// the request body in full and answers a fixed 200 with the body (and the header set) the
// emulator answers AssumeRoleWithWebIdentity with. Whatever the emulator costs beyond this is the
// emulator's own work: parsing, the decision, issuing the session, rendering.
//
// Started with fork(); receives { body } over IPC and replies { port } once listening.
import http from "node:http";

process.once("message", ({ body }) => {
  const payload = Buffer.from(body, "utf8");
  const headers = {
    "x-amzn-RequestId": "00000000-0000-4000-8000-000000000000",
    "Content-Type": "text/xml",
    "Content-Length": payload.length,
    Date: new Date().toUTCString(),
  };
  const server = http.createServer((req, res) => {
    req.on("data", () => {});
    req.on("end", () => {
      res.writeHead(200, headers);
      res.end(payload);
    });
  });
  server.listen(0, "127.0.0.1", () => {
    process.send({ port: server.address().port });
  });
  // The parent going away (or disconnecting) ends the baseline too; SIGTERM exits cleanly so a
  // --cpu-prof profile gets written.
  process.on("disconnect", () => {
    server.close();
    server.closeAllConnections();
  });
  process.on("SIGTERM", () => process.exit(0));
});
