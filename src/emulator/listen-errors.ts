import { createServer } from "node:net";
import { BbOidcError } from "../errors.js";

/** Which of the emulator's two servers could not listen. */
export type EmulatorSide = "aws" | "bitbucket";

export interface PortProblem {
  side: EmulatorSide;
  host: string;
  port: number;
  /** EADDRINUSE, EACCES or EADDRNOTAVAIL. */
  reason: string;
}

/**
 * A listen failure said plainly (`ERR_PORT_IN_USE`, `actual` = which side, host and port), so the
 * CLI can name its flag. Anything else is passed through.
 */
export function listenError(err: unknown, side: EmulatorSide, host: string, port: number): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code !== "EADDRINUSE" && code !== "EACCES" && code !== "EADDRNOTAVAIL") return err;
  const what = side === "aws" ? "AWS" : "Bitbucket";
  const why =
    code === "EADDRINUSE"
      ? "is already in use (another emulator, or another program)"
      : code === "EACCES"
        ? "may not be opened by this user (ports below 1024 need privileges)"
        : `cannot be opened: ${host} is not an address of this machine`;
  const actual: PortProblem = { side, host, port, reason: code };
  return new BbOidcError("ERR_PORT_IN_USE", `The ${what} port ${port} on ${host} ${why}.`, {
    actual,
    cause: err,
  });
}

/**
 * Fails fast when a fixed port cannot be had: each is bound and released before anything else
 * starts (state, CA, workers), so a port in use ends the start in milliseconds. The servers bind
 * again later; losing that race in between only fails the same way, later.
 */
export async function probePorts(
  host: string,
  ports: ReadonlyArray<{ side: EmulatorSide; port: number }>,
): Promise<void> {
  for (const { side, port } of ports) {
    if (port === 0) continue;
    await new Promise<void>((resolve, reject) => {
      const server = createServer();
      server.once("error", (err) => reject(listenError(err, side, host, port)));
      server.listen({ port, host, exclusive: true }, () => server.close(() => resolve()));
    });
  }
}
