/** Nine levels of nine aliases each: about 400 bytes standing for 9⁹ (387 million) scalars. */
export function aliasBomb(prefix: string, use: (alias: string) => string): string {
  const lines = [prefix, "x0: &a0 [lol,lol,lol,lol,lol,lol,lol,lol,lol]"];
  for (let i = 1; i < 9; i++)
    lines.push(
      `x${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(",")}]`,
    );
  return `${lines.join("\n")}\n${use("*a8")}`;
}

export const templateBomb = aliasBomb(
  'AWSTemplateFormatVersion: "2010-09-09"',
  (a) => `Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      P: ${a}\n`,
);
