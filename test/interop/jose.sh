#!/usr/bin/env bash
# Our JWTs, verified by Node's jose with the keys auth_jwks() publishes. Prints TAP, for
# prove. Needs `npm ci` in test/interop/node (scripts/test runs it).
here=$(cd "$(dirname "$0")" && pwd)
source "$here/make_tokens.sh"
node "$here/node/verify_jose.mjs" "$TOKENS_DIR"
