/**
 * Cases whose expectation (taken from the domain facts / IAM documentation) the engine does not
 * meet yet. The expectation is NOT changed; the runners mark these with `it.fails`, so the suite
 * stays green while the disagreement is open and turns red once the engine agrees (then delete
 * the entry). Each entry: what is expected, what the engine does, where.
 */
export const KNOWN_DISAGREEMENTS: Readonly<Record<string, string>> = {};
