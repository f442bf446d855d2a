export { type CaMaterial, type LoadOrCreateCaOptions, loadOrCreateCa } from "./load-or-create.js";
