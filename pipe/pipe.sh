#!/bin/sh
# The entry point of the bb-oidc Bitbucket Pipe (pipe.yml names its variables). Bitbucket starts
# the pipe's container with the step's variables; this turns them into one bb-oidc command and
# exits with its status. No fallback to static keys: without `oidc: true` it refuses.
set -eu

fail() {
  printf 'bb-oidc pipe: %s\n' "$1" >&2
  exit "${2:-2}"
}

# A pipe variable given as a YAML list arrives as NAME_COUNT and NAME_0, NAME_1, …; as a string,
# its words are the items (spaces or new lines between them, and commas too when $2 is ","). Prints
# one item a line.
items() {
  count=$(printenv "$1_COUNT" 2>/dev/null || true)
  if [ -n "$count" ]; then
    i=0
    while [ "$i" -lt "$count" ]; do
      printenv "$1_$i" || true
      i=$((i + 1))
    done
  else
    (printenv "$1" || true) | tr "${2:-} \t" '\n\n\n' | sed '/^$/d'
  fi
}

if [ -z "${BITBUCKET_STEP_OIDC_TOKEN:-}" ]; then
  fail "the step has no OIDC token (BITBUCKET_STEP_OIDC_TOKEN is empty). Add oidc: true to the step:

  - step:
      oidc: true
      script:
        - pipe: docker://<registry>/bb-oidc-pipe:<version>
          variables:
            AWS_OIDC_ROLE_ARN: arn:aws:iam::<account>:role/<role>

This pipe never falls back to AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY."
fi
[ -n "${AWS_OIDC_ROLE_ARN:-}" ] ||
  fail "AWS_OIDC_ROLE_ARN is not set: name the role to assume, e.g. arn:aws:iam::111111111111:role/deploy."
if [ -n "${COMMAND:-}" ] && [ -n "${PROFILE:-}" ]; then
  fail "set COMMAND (run it with the role's credentials) or PROFILE (write a profile for the step's later commands), not both."
fi
if [ -z "${COMMAND:-}" ] && [ -z "${PROFILE:-}" ]; then
  fail "set COMMAND (run it with the role's credentials) or PROFILE (write a profile for the step's later commands)."
fi

set -- --role-arn "$AWS_OIDC_ROLE_ARN"
region=${AWS_DEFAULT_REGION:-${AWS_REGION:-}}
[ -z "$region" ] || set -- "$@" --region "$region"
[ -z "${SESSION_NAME:-}" ] || set -- "$@" --session-name "$SESSION_NAME"
[ -z "${SESSION_DURATION:-}" ] || set -- "$@" --duration "$SESSION_DURATION"
set -f # the items are words, never file patterns
for hop in $(items CHAIN); do set -- "$@" --chain "$hop"; done
for id in $(items ALLOWED_ACCOUNT_IDS ,); do set -- "$@" --allowed-account-id "$id"; done
set +f
case "${DEBUG:-false}" in
true | 1 | yes) set -- --debug "$@" ;;
esac

if [ -n "${COMMAND:-}" ]; then
  cd "${BITBUCKET_CLONE_DIR:-.}"
  exec bb-oidc exec "$@" -- sh -c "$COMMAND"
fi

# The pipe's container ends with this script; the step's later commands read the profile from
# the clone directory, which they share. The credentials last SESSION_DURATION (default 1 h),
# whatever the token's own lifetime.
dir="${BITBUCKET_CLONE_DIR:-.}/.bb-oidc"
export AWS_SHARED_CREDENTIALS_FILE="${AWS_SHARED_CREDENTIALS_FILE:-$dir/credentials}"
export AWS_CONFIG_FILE="${AWS_CONFIG_FILE:-$dir/config}"
bb-oidc credentials "$@" --profile "$PROFILE"
printf 'bb-oidc pipe: to use it in the following commands of this step:\n  export AWS_SHARED_CREDENTIALS_FILE=%s AWS_CONFIG_FILE=%s AWS_PROFILE=%s\n' \
  "$AWS_SHARED_CREDENTIALS_FILE" "$AWS_CONFIG_FILE" "$PROFILE" >&2
