/**
 * A reader that stops early (`bb-oidc who-can … | head -1`) closes the pipe behind stdout. What is
 * left to print then has nowhere to go: that is the reader's choice, not a failure of the
 * command, which runs to its end and exits with its own code (a deploy must not stop half-way
 * because its log was cut short). Unhandled, Node reports the next write's EPIPE as a crash with
 * a stack trace.
 */
export function tolerateClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EPIPE" || err.code === "ERR_STREAM_DESTROYED") return;
      throw err;
    });
  }
}
