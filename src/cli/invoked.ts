/**
 * The command named on the command line: the first word that is not an option. The root
 * command's only options (`--debug`, `--help`, `--version`) take no value, so nothing before the
 * command can be an option's argument.
 */
export function invokedCommand(argv: readonly string[]): string | undefined {
  return argv.slice(2).find((a) => !a.startsWith("-"));
}
