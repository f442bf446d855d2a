/** The commands the pipeline bundle serves (dist/pipeline.cjs); the launcher routes by this. */
export const PIPELINE_COMMANDS = ["credentials", "exec", "configure"] as const;
export type PipelineCommand = (typeof PIPELINE_COMMANDS)[number];

export function isPipelineCommand(name: string | undefined): name is PipelineCommand {
  return (PIPELINE_COMMANDS as readonly (string | undefined)[]).includes(name);
}
