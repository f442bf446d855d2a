/** Store collections the Bitbucket side owns (one place, so modules don't import each other for them). */
export const WORKSPACES = "bitbucket-workspaces";
export const SIGNING_KEYS = "bitbucket-signing-keys";
