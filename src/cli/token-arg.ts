import { InputError } from "../errors.js";
import { decodeToken } from "../oidc/decode.js";

/**
 * Decodes a token the user gave (a flag, or the step's variable); a token that is no JWT is the
 * user's input error, with what to pass instead. Kept apart from token-input.ts so the pipeline
 * commands load only the decoder.
 */
export function decodeTokenArg(token: string, flag = "--token"): ReturnType<typeof decodeToken> {
  try {
    return decodeToken(token);
  } catch (err) {
    throw new InputError(`${flag}: this is not a JWT: ${(err as Error).message}.`, {
      hint: "Pass the step's $BITBUCKET_STEP_OIDC_TOKEN unchanged: three base64url parts joined by dots.",
    });
  }
}

/** Where a pipeline command's token came from, as its messages name it. */
export function tokenSourceName(flag: string | undefined): string {
  return flag !== undefined ? "--token" : "BITBUCKET_STEP_OIDC_TOKEN";
}
