// Small timing helpers shared by the benchmarks.
export function rate(fn, { minMs = 1000, batch = 1000 } = {}) {
  for (let i = 0; i < batch; i++) fn(); // warm-up
  let n = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < minMs) {
    for (let i = 0; i < batch; i++) fn();
    n += batch;
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return (n / elapsed) * 1000;
}

export async function rateAsync(fn, { minMs = 1000, batch = 200 } = {}) {
  for (let i = 0; i < batch; i++) await fn();
  let n = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < minMs) {
    for (let i = 0; i < batch; i++) await fn();
    n += batch;
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return (n / elapsed) * 1000;
}

export function emit(obj) {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

export const round = (x, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
