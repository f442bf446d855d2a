import { main } from "./full-main.js";

// The full CLI as an ES module: its commands load from chunks as they run (see launcher.ts).
await main(process.argv);
