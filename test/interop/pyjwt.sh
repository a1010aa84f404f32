#!/usr/bin/env bash
# Our JWTs, verified by PyJWT (Debian python3-jwt, python3-cryptography for Ed25519)
# with the keys auth_jwks() publishes. Prints TAP, for prove.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/make_tokens.sh"
/usr/bin/python3 "$here/verify_pyjwt.py" "$TOKENS_DIR"
