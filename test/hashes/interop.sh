#!/usr/bin/env bash
# Hashes made by independent tools import and log in, and are then rehashed to Argon2id
# at the current cost; a hash we store verifies with an independent Argon2
# implementation (argon2-cffi, over the reference libargon2). Prints TAP, for prove.
# Usage: interop.sh   (libpq's PG* variables name the server)
set -euo pipefail
db=hash_interop_$$
py=/usr/bin/python3   # Debian's Python, with python3-bcrypt and python3-argon2
createdb "$db"
trap 'dropdb --if-exists "$db" 2>/dev/null' EXIT
# sql QUERY [psql options...]: the query through stdin, so psql substitutes :'variables'.
sql() {
    local query=$1
    shift
    psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@" <<<"$query"
}
sql 'CREATE EXTENSION auth'

# A fresh password each run, with a non-ASCII character (already NFC, as tools get it).
password="$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | cut -c1-14)é!"
wrong="${password}x"

n=0
tap() {  # tap CONDITION DESCRIPTION
    n=$((n + 1))
    if eval "$1"; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

# tool name, then the command that prints a hash of $password
declare -a names=() hashes=()
add() { names+=("$1"); hashes+=("$2"); }
add "mkpasswd -m sha-512" "$(mkpasswd -m sha-512 "$password")"
add "mkpasswd -m sha-256" "$(mkpasswd -m sha-256 "$password")"
add "mkpasswd -m yescrypt" "$(mkpasswd -m yescrypt "$password")"
add "mkpasswd -m scrypt" "$(mkpasswd -m scrypt "$password")"
add "mkpasswd -m bcrypt" "$(mkpasswd -m bcrypt "$password")"
add "htpasswd -nbB" "$(htpasswd -nbB user "$password" | cut -d: -f2)"
add "python3 bcrypt" "$(PW="$password" $py -c 'import bcrypt, os; print(bcrypt.hashpw(os.environ["PW"].encode(), bcrypt.gensalt(10)).decode())')"
add "python3 argon2-cffi (argon2id, p=4)" "$(PW="$password" $py -c 'import argon2, os; print(argon2.PasswordHasher().hash(os.environ["PW"]))')"
add "python3 argon2-cffi (argon2i)" "$(PW="$password" $py -c 'import argon2, os; print(argon2.PasswordHasher(type=argon2.Type.I).hash(os.environ["PW"]))')"
add "argon2 CLI (argon2id)" "$(printf '%s' "$password" | argon2 "$(head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')" -id -t 3 -k 16384 -p 2 -e)"
add "argon2 CLI (argon2i)" "$(printf '%s' "$password" | argon2 "$(head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')" -i -t 3 -k 16384 -p 1 -e)"

for i in "${!names[@]}"; do
    name=${names[$i]} hash=${hashes[$i]} email="interop$i@example.com"
    id=$(sql "SELECT auth_import_user(:'email', :'hash')" -v email="$email" -v hash="$hash" 2>&1 || true)
    tap '[[ "$id" =~ ^[0-9]+$ ]]' "$name: the hash imports"
    wrong_answer=$(sql "SELECT coalesce(auth_login(:'email', :'pw'), 'refused')" -v email="$email" -v pw="$wrong")
    tap '[ "$wrong_answer" = refused ]' "$name: a wrong password does not log in"
    still=$(sql "SELECT password_imported FROM auth.users WHERE id = :'id'" -v id="$id")
    tap '[ "$still" = t ]' "$name: a failed login leaves the imported hash"
    token=$(sql "SELECT coalesce(auth_login(:'email', :'pw'), 'refused')" -v email="$email" -v pw="$password")
    tap '[[ "$token" =~ ^[A-Za-z0-9_-]{43}$ ]]' "$name: the right password logs in"
    after=$(sql "SELECT password_imported::text || ' ' || password_hash FROM auth.users WHERE id = :'id'" -v id="$id")
    tap '[[ "$after" == "false \$argon2id\$v=19\$m=65536,t=2,p=1\$"* ]]' \
        "$name: the stored hash is now Argon2id at the current cost"
    again=$(sql "SELECT auth_verify_password(:'email', :'pw') = :'id'::bigint" -v email="$email" -v pw="$password" -v id="$id")
    tap '[ "$again" = t ]' "$name: the rehashed password verifies"
done

# The reverse: our hashes verify with argon2-cffi (libargon2, not libsodium).
sql "SELECT auth_create_user('ours@example.com', :'pw')" -v pw="$password" >/dev/null
ours=$(sql "SELECT password_hash FROM auth.users WHERE email = 'ours@example.com'" )
verdict=$(HASH="$ours" PW="$password" $py -c '
import argon2, os
try:
    print(argon2.PasswordHasher().verify(os.environ["HASH"], os.environ["PW"]))
except argon2.exceptions.VerifyMismatchError:
    print("mismatch")')
tap '[ "$verdict" = True ]' "a hash we store verifies with argon2-cffi's PasswordHasher.verify"
verdict=$(HASH="$ours" PW="$wrong" $py -c '
import argon2, os
try:
    print(argon2.PasswordHasher().verify(os.environ["HASH"], os.environ["PW"]))
except argon2.exceptions.VerifyMismatchError:
    print("mismatch")')
tap '[ "$verdict" = mismatch ]' "and argon2-cffi refuses a wrong password against it"
# The same with the raw parameters: the argon2 CLI recomputes our digest from the salt.
cli=$(HASH="$ours" PW="$password" $py -c '
import base64, os, subprocess
_, _, version, params, salt, digest = os.environ["HASH"].split("$")
p = dict(kv.split("=") for kv in params.split(","))
pad = lambda s: s + "=" * (-len(s) % 4)
salt_bytes = base64.b64decode(pad(salt))
# The CLI takes the salt as an argument (any bytes but NUL): a salt with a zero byte
# (6% of random 16-byte salts) cannot be passed; then say so.
if 0 not in salt_bytes:
    out = subprocess.run([b"argon2", salt_bytes, "-id", "-t", p["t"], "-k", p["m"], "-p", p["p"], "-r"],
                         input=os.environ["PW"].encode(), capture_output=True).stdout.decode().strip()
    print("match" if out == base64.b64decode(pad(digest)).hex() else "mismatch")
else:
    print("salt has a NUL")')
if [ "$cli" = "salt has a NUL" ]; then
    n=$((n + 1)); echo "ok $n # skip the argon2 CLI takes its salt as an argument; this run's random salt holds a zero byte"
else
    tap '[ "$cli" = match ]' "the argon2 CLI recomputes the digest of a hash we store"
fi
echo "1..$n"
