/**
 * Child process for the crash test: writes as fast as it can and prints each key only after its
 * promise resolved (i.e. after fsync). The parent SIGKILLs it mid-burst and checks that every
 * printed key survived. Batches print all their keys on one line so the parent can check that a
 * batch is all-or-nothing.
 */
import { openStore } from "../../../src/emulator/store/index.js";

const dir = process.argv[2];
if (dir === undefined) throw new Error("usage: burst-writer <state-dir>");
const store = await openStore(dir, { compactAfterBytes: 64 * 1024 });
process.stdout.write(`pid ${process.pid}\n`);

let n = 0;
const WAVE = 16;
for (;;) {
  const wave: Promise<void>[] = [];
  for (let i = 0; i < WAVE; i++) {
    const id = n++;
    if (id % 5 === 0) {
      const keys = [`b${id}-0`, `b${id}-1`, `b${id}-2`];
      wave.push(
        store
          .batch(
            keys.map((key) => ({ op: "put" as const, collection: "burst", key, value: { id } })),
          )
          .then(() => {
            process.stdout.write(`ack ${keys.join(" ")}\n`);
          }),
      );
    } else {
      const key = `k${id}`;
      wave.push(
        store.put("burst", key, { id, pad: "x".repeat(200) }).then(() => {
          process.stdout.write(`ack ${key}\n`);
        }),
      );
    }
  }
  await Promise.all(wave);
}
