import { InputError } from "../../errors.js";

export interface ConfigProblem {
  /** `roles[1].repositories[0]`. */
  path: string;
  line?: number;
  column?: number;
  message: string;
  expected?: string;
}

/** Every problem found in a configuration file, not only the first. */
export class ConfigError extends InputError {
  readonly sourceName: string;
  readonly problems: readonly ConfigProblem[];

  constructor(sourceName: string, problems: ConfigProblem[]) {
    const lines = problems.map((p) => `  ${formatProblem(sourceName, p)}`);
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    super(`${sourceName} has ${count}:\n${lines.join("\n")}`, {
      hint: "Fix these in the configuration file and run the command again.",
    });
    this.sourceName = sourceName;
    this.problems = problems;
  }
}

export function formatProblem(sourceName: string, p: ConfigProblem): string {
  const where = p.line === undefined ? sourceName : `${sourceName}:${p.line}:${p.column}`;
  return `${where}: ${p.path}: ${p.message}`;
}
