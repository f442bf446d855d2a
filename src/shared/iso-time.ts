let lastEpoch = Number.NaN;
let lastIso = "";

/**
 * `2026-01-01T00:00:00Z`: ISO 8601 without fractional seconds, as STS and IAM write timestamps
 * (and as `aws:CurrentTime` reads). The last value is kept: a server formats one second many times.
 */
export function isoSeconds(epochSeconds: number): string {
  if (epochSeconds !== lastEpoch) {
    // `toISOString` always has the `.sssZ` tail for the years these tools will see.
    lastIso = `${new Date(epochSeconds * 1000).toISOString().slice(0, 19)}Z`;
    lastEpoch = epochSeconds;
  }
  return lastIso;
}

/** `isoSeconds` of a time in epoch milliseconds (the fraction dropped, not rounded). */
export function isoSecondsFromMs(epochMs: number): string {
  return isoSeconds(Math.floor(epochMs / 1000));
}
