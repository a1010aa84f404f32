# Sourced by the interop tests: makes a database with the extension, issues JWTs with
# both algorithms and writes them, with the published JWKS, into $TOKENS_DIR:
#   jwks.json       auth_jwks() after one key rotation (old and new keys)
#   eddsa_old.jwt   signed before the rotation; eddsa.jwt after it; claims.json its claims
#   hs256.jwt       signed with HS256; hs256.key the secret (hex), unsealed by the superuser
#   other_product.txt  what auth_issue_jwt gives for a product the user is not in
set -euo pipefail
interop_db=interop_$$_$RANDOM
TOKENS_DIR=$(mktemp -d)
trap 'rm -rf "$TOKENS_DIR"; dropdb --if-exists "$interop_db"' EXIT
createdb "$interop_db"
psql -X -q -At -v ON_ERROR_STOP=1 -d "$interop_db" >/dev/null <<SQL
CREATE EXTENSION auth;
SELECT auth_create_product('Interop App') \gset
SELECT auth_create_product('Interop Other') \gset
SELECT auth_create_role('Interop App', 'editor') \gset
SELECT auth_create_user('interop@example.com', 'quay lantern 42 elk') AS uid \gset
SELECT auth_grant(:uid, 'Interop App', 'editor') \gset
SELECT auth_login('interop@example.com', 'quay lantern 42 elk') AS token \gset
\o $TOKENS_DIR/eddsa_old.jwt
SELECT auth_issue_jwt(:'token', 'Interop App');
\o
SELECT auth_rotate_signing_key() \gset
\o $TOKENS_DIR/eddsa.jwt
SELECT auth_issue_jwt(:'token', 'Interop App', '5 minutes');
\o $TOKENS_DIR/claims.json
SELECT auth_verify_jwt(auth_issue_jwt(:'token', 'Interop App', '5 minutes'));
\o $TOKENS_DIR/jwks.json
SELECT auth_jwks();
\o $TOKENS_DIR/other_product.txt
SELECT coalesce(auth_issue_jwt(:'token', 'Interop Other'), 'NULL');
\o
SET auth.jwt_algorithm = 'HS256';
\o $TOKENS_DIR/hs256.jwt
SELECT auth_issue_jwt(:'token', 'Interop App');
\o $TOKENS_DIR/hs256.key
SELECT encode(auth.unseal(sealed_secret, auth.signing_key_context(kid)), 'hex')
FROM auth.signing_keys WHERE algorithm = 'HS256' AND retired_at IS NULL;
\o
SQL
export TOKENS_DIR
