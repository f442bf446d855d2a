/** A local HTTPS server on 127.0.0.1, port 0, serving a test PKI chain. */

import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import type { SecureVersion } from "node:tls";
import type { TestPki } from "./pki.js";

export interface TestHttpsServer {
  server: Server;
  port: number;
  /** `127.0.0.1:<port>`, for a fetcher's hostMap. */
  address: string;
  /** Every request seen: method, Host header, path, SNI. */
  requests: Array<{ method: string; host: string | undefined; path: string; servername?: string }>;
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Serves JSON from `routes` (path → body or handler); other paths are 404. */
export async function startHttpsServer(
  pki: TestPki,
  routes: Record<string, unknown | Handler>,
  opts: { sendRoot?: boolean; minVersion?: SecureVersion } = {},
): Promise<TestHttpsServer> {
  const requests: TestHttpsServer["requests"] = [];
  const server = createServer(
    {
      key: pki.leaf.keyPem,
      cert: opts.sendRoot ? pki.chainPem + pki.root.pem : pki.chainPem,
      ...(opts.minVersion ? { minVersion: opts.minVersion } : {}),
    },
    (req, res) => {
      const path = req.url ?? "/";
      const servername = (req.socket as { servername?: string | false }).servername || undefined;
      requests.push({ method: req.method ?? "", host: req.headers.host, path, servername });
      const route = routes[path];
      if (route === undefined) {
        res.writeHead(404, { "content-type": "application/json" });
        res.end('{"error":"not found"}');
      } else if (typeof route === "function") {
        (route as Handler)(req, res);
      } else {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(route));
      }
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    address: `127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
