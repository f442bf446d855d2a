// Preloaded (node --require) into the audit CLI by bench/audit.mjs for its memory runs: on exit,
// after a full garbage collection, it prints the heap the process still holds and the largest
// heap seen, so the bench can tell memory the audit keeps from garbage not yet collected.
let peak = 0;
const timer = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().heapUsed);
}, 20);
timer.unref();
process.on("exit", () => {
  global.gc?.();
  const m = process.memoryUsage();
  require("node:fs").writeSync(
    2,
    `\nbb-oidc-bench-memory ${JSON.stringify({ retainedHeap: m.heapUsed, peakHeap: Math.max(peak, m.heapUsed) })}\n`,
  );
});
