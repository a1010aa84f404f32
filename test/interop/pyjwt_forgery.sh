#!/usr/bin/env bash
# HS256 tokens forged with PyJWT from whatever a reader of the tables could take are
# refused while EdDSA is configured: a pg_read_all_data member reads auth.signing_keys
# (the kid, the Ed25519 public key, the sealed secret) and forges tokens for another user
# with each of them as the HMAC secret; and a real HS256 secret (as 0.1.0 kept one
# readable) forges nothing once its key stopped signing more than a day ago.
# Prints TAP, for prove. Usage: pyjwt_forgery.sh   (libpq's PG* variables name the server)
set -euo pipefail
db=forgery_$$ reader=forgery_reader_$$ app=forgery_app_$$ dir=$(mktemp -d)
trap 'rm -rf "$dir"; dropdb --if-exists "$db"; psql -X -q -d postgres -c "DROP ROLE IF EXISTS $reader, $app" 2>/dev/null' EXIT
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }

createdb "$db"
q >/dev/null <<SQL
CREATE EXTENSION auth;
CREATE ROLE $reader NOLOGIN IN ROLE pg_read_all_data;
CREATE ROLE $app NOLOGIN IN ROLE auth_signin;
SELECT auth_create_product('Forgery App') \gset
SELECT auth_create_user('victim@example.com', 'Amber orbit 41 slot') AS victim \gset
SELECT auth_create_user('attacker@example.com', 'Quartz meadow 52 slot') AS attacker \gset
SELECT auth_create_role('Forgery App', 'member') \gset
SELECT auth_grant(:victim, 'Forgery App', 'member') \gset
SELECT auth_grant(:attacker, 'Forgery App', 'member') \gset
SELECT auth_login('attacker@example.com', 'Quartz meadow 52 slot') AS token \gset
-- An HS256 key that signed once and was switched away from more than a day ago.
SET auth.jwt_algorithm = 'HS256';
SELECT auth_issue_jwt(:'token', 'Forgery App') \gset
RESET auth.jwt_algorithm;
\o $dir/genuine.jwt
SELECT auth_issue_jwt(:'token', 'Forgery App');
\o $dir/victim.txt
SELECT :victim;
\o $dir/old_hs256.txt
SELECT kid || ' ' || encode(auth.unseal(sealed_secret, auth.signing_key_context(kid)), 'hex')
FROM auth.signing_keys WHERE algorithm = 'HS256';
\o
UPDATE auth.signing_keys SET retired_at = now() - interval '1 day 1 second' WHERE algorithm = 'HS256';
SQL
# What the reader sees.
q -c "SET ROLE $reader" -c "SELECT kid, algorithm, encode(coalesce(public_key, ''), 'hex'),
        encode(coalesce(sealed_secret, ''), 'hex') FROM auth.signing_keys" -F ' ' > "$dir/read.txt"

/usr/bin/python3 - "$dir" > "$dir/forged.txt" <<'PY'
import base64, json, sys
import jwt
d = sys.argv[1]
genuine = open(f"{d}/genuine.jwt").read().strip()
claims = json.loads(base64.urlsafe_b64decode(genuine.split(".")[1] + "=="))
claims["sub"] = open(f"{d}/victim.txt").read().strip()
for line in open(f"{d}/read.txt"):
    kid, algorithm, public_hex, sealed_hex = (line.rstrip("\n").split(" ") + ["", ""])[:4]
    for name, secret in (("public key", bytes.fromhex(public_hex)), ("sealed secret", bytes.fromhex(sealed_hex)),
                         ("sealed secret as hex text", sealed_hex.encode())):
        if secret:
            print(f"the {algorithm} key's {name}\t" + jwt.encode(claims, secret, algorithm="HS256", headers={"kid": kid}))
kid, secret_hex = open(f"{d}/old_hs256.txt").read().split()
print("the real HS256 secret, a day after the switch to EdDSA\t"
      + jwt.encode(claims, bytes.fromhex(secret_hex), algorithm="HS256", headers={"kid": kid}))
PY

count=0 fail=0
check() {  # check DESCRIPTION EXPECTED ACTUAL
    count=$((count + 1))
    if [ "$2" = "$3" ]; then echo "ok $count - $1"; else echo "not ok $count - $1 (expected '$2', got '$3')"; fail=1; fi
}
as_app() { q -c "SET ROLE $app" -c "$1"; }
check "the reader reads the key table (pg_read_all_data): the first EdDSA key, the HS256 one, the current EdDSA one" 3 \
    "$(wc -l < "$dir/read.txt")"
check "the genuine EdDSA token verifies" "$(q -c "SELECT auth_user_id('attacker@example.com')")" \
    "$(as_app "SELECT auth_verify_jwt('$(cat "$dir/genuine.jwt")')->>'sub'")"
while IFS=$'\t' read -r what forged; do
    check "a PyJWT HS256 token for another user, made with $what, is refused" "" \
        "$(as_app "SELECT auth_verify_jwt('$forged')")"
done < "$dir/forged.txt"
check "PyJWT made seven forgeries (two EdDSA public keys; two sealed secrets in bytes and hex; the old HS256 secret)" 7 \
    "$(wc -l < "$dir/forged.txt")"
echo "1..$count"
exit $fail
